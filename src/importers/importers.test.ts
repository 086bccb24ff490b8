import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CapacityError } from '../core/errors.js';
import { Scenario } from '../scenarios/schema.js';
import { emitScenarioYaml, importScenario, type ImportedScenario } from './index.js';

const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/importers/${name}`, import.meta.url), 'utf8');

function validated(imported: ImportedScenario, kind: string): { yaml: string; scenario: Scenario } {
  const yaml = emitScenarioYaml(imported, 'source', kind);
  const parsed = Scenario.safeParse(parse(yaml));
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'));
  return { yaml, scenario: parsed.data };
}

function thrown(run: () => unknown): CapacityError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapacityError) return error;
    throw error;
  }
  throw new Error('expected a CapacityError');
}

const header = (name: string, value: string) => ({ name, value });
function harEntry(method: string, url: string, startedDateTime: string, extra: Record<string, unknown> = {}) {
  return {
    startedDateTime,
    time: 10,
    request: { method, url, httpVersion: 'HTTP/1.1', cookies: [], headers: [header('Host', 'x'), header('Accept', 'application/json'), header('User-Agent', 'browser')], queryString: [], headersSize: -1, bodySize: 0, ...extra },
    response: { status: 200 },
  };
}
const har = (entries: unknown[]) => JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } }, null, 2);

describe('HAR import', () => {
  const recording = har([
    harEntry('GET', 'http://127.0.0.1:9000/', '2026-01-01T00:00:00.000Z'),
    harEntry('GET', 'https://cdn.example.com/app.js', '2026-01-01T00:00:00.020Z'),
    harEntry('GET', 'http://127.0.0.1:9000/api/items?page=2&sort=name', '2026-01-01T00:00:00.050Z'),
    harEntry('OPTIONS', 'http://127.0.0.1:9000/api/items', '2026-01-01T00:00:00.060Z'),
    harEntry('POST', 'http://127.0.0.1:9000/api/items', '2026-01-01T00:00:02.070Z', {
      headers: [header('Accept', 'application/json'), header('Authorization', 'Bearer recorded-secret-token'), header('Cookie', 'sid=abc'), header('Content-Type', 'application/json'), header('Content-Length', '12')],
      postData: { mimeType: 'application/json', text: '{"name":"lamp"}' },
    }),
    harEntry('PUT', 'http://127.0.0.1:9000/api/form', '2026-01-01T00:00:02.100Z', { postData: { mimeType: 'application/x-www-form-urlencoded; charset=UTF-8', text: 'a=1&b=two' } }),
  ]);

  it('replays the main origin in order, with think times, secrets from the environment and what was left out', () => {
    const imported = importScenario({ kind: 'har', text: recording, label: 'session.har', documentDir: '.' });
    const { yaml, scenario } = validated(imported, 'har');
    expect(imported.baseUrl).toBe('http://127.0.0.1:9000');
    expect(imported.flow?.map((step) => `${step.method} ${step.path}`)).toEqual(['GET /', 'GET /api/items', 'POST /api/items', 'PUT /api/form']);
    expect(imported.flow?.[1]?.query).toEqual({ page: '2', sort: 'name' });
    // 2 s passed between the end of the GET and the POST: a user's pause.
    expect(imported.flow?.[1]?.thinkAfterS).toBe(2);
    expect(imported.flow?.[0]?.thinkAfterS).toBeUndefined();
    expect(imported.flow?.[2]?.body).toEqual({ kind: 'json', value: { name: 'lamp' } });
    expect(imported.flow?.[3]?.body).toEqual({ kind: 'form', fields: { a: '1', b: 'two' } });
    expect(imported.flow?.[2]?.headers).toEqual({ Authorization: 'Bearer {{API_TOKEN}}' });
    expect(imported.defaultHeaders).toEqual({ Accept: 'application/json' });
    expect(scenario.variables).toEqual({ API_TOKEN: { env: 'API_TOKEN' } });
    expect(yaml).not.toContain('recorded-secret-token');
    expect(yaml).not.toContain('sid=abc');
    const notes = imported.untranslated.map((u) => `${u.where}: ${u.what}`).join('\n');
    expect(notes).toContain('log.entries[1]: GET https://cdn.example.com/app.js: another origin');
    expect(notes).toContain('log.entries[3]: OPTIONS /api/items: a CORS preflight');
    expect(notes).toContain('Cookie header left out');
    expect(yaml).toMatch(/^# {3}- log\.entries\[1\]: GET https:\/\/cdn\.example\.com/m);
  });

  it('refuses a file that is not a HAR, saying what is wrong and where', () => {
    const yamlFile = thrown(() => importScenario({ kind: 'har', text: '\n\nopenapi: 3.0.0\n', label: 'api.yaml', documentDir: '.' }));
    expect(yamlFile.exitCode).toBe(2);
    expect(yamlFile.details[0]).toMatch(/^api\.yaml:3:1: a HAR file is a JSON object/);
    const noLog = thrown(() => importScenario({ kind: 'har', text: '{\n  "entries": []\n}', label: 'x.har', documentDir: '.' }));
    expect(noLog.message).toBe('x.har is not a HAR file');
    expect(noLog.details[0]).toMatch(/^x\.har:1:1: \(root\): missing the "log" object/);
    const badUrl = thrown(() => importScenario({ kind: 'har', text: har([{ request: { method: 'GET', url: '/relative' } }]), label: 'y.har', documentDir: '.' }));
    expect(badUrl.details[0]).toMatch(/^y\.har:\d+:\d+: log\.entries\[0\]\.request\.url: expected an absolute URL/);
    const broken = thrown(() => importScenario({ kind: 'har', text: '{\n "log": {\n  "version": "1.2",,\n }\n}', label: 'z.har', documentDir: '.' }));
    expect(broken.details[0]).toMatch(/^z\.har:3:\d+:/);
  });
});

describe('OpenAPI import', () => {
  it('turns the pet shop document into a mix of its operations with examples, servers and security', () => {
    const imported = importScenario({ kind: 'openapi', text: fixture('petstore.openapi.yaml'), label: 'petstore.openapi.yaml', documentDir: '.' });
    const { scenario, yaml } = validated(imported, 'openapi');
    expect(scenario.target.url).toBe('http://127.0.0.1:8080');
    const byName = new Map(imported.requests?.map((request) => [request.name, request]));
    expect([...byName.keys()]).toEqual(['addPet', 'updatePet', 'findPetsByStatus', 'getPetById', 'deletePet', 'petExists', 'getInventory', 'placeOrder', 'getOrderById', 'loginUser', 'getUserByName']);
    expect(byName.get('getPetById')?.path).toBe('/api/v3/pet/{{petId}}');
    expect(scenario.variables.petId).toBe(10);
    expect(scenario.variables.orderId).toBe(3);
    expect(scenario.variables.username).toBe('theUser');
    expect(byName.get('findPetsByStatus')?.query).toEqual({ status: 'available' });
    expect(byName.get('loginUser')?.query).toEqual({ username: 'theUser', password: 'secret12' });
    // The first security alternative the importer can express: the API key in a header.
    expect(byName.get('getPetById')?.headers).toEqual({ api_key: '{{API_KEY}}' });
    expect(byName.get('addPet')?.headers).toEqual({ Authorization: 'Bearer {{PETSTORE_AUTH}}' });
    expect(scenario.variables.PETSTORE_AUTH).toEqual({ env: 'PETSTORE_AUTH' });
    // The stated example wins; without one a sample is made from the schema (readOnly id left out).
    expect(byName.get('updatePet')?.body).toEqual({ kind: 'json', value: { id: 10, name: 'Rex', status: 'sold' } });
    expect(byName.get('addPet')?.body).toEqual({ kind: 'json', value: { name: 'doggie', category: { id: 1, name: 'Dogs' }, photoUrls: ['https://example.com/dog.png'], status: 'available' } });
    expect(byName.get('petExists')).toMatchObject({ method: 'HEAD', path: '/api/v3/pet/{{petId}}' });
    expect(yaml).toMatch(/petstore\.openapi\.yaml:\d+:\d+: request body of addPet has no example/);
  });

  it('reads an OpenAPI 3.1 document in JSON: server variables, type lists, examples arrays, form bodies, OAuth2 listed', () => {
    const document = {
      openapi: '3.1.0',
      info: { title: 'Notes', version: '1' },
      servers: [{ url: 'https://{region}.notes.example/v2', variables: { region: { default: 'eu' } } }],
      components: { securitySchemes: { oauth: { type: 'oauth2', flows: {} } } },
      security: [{ oauth: [] }],
      paths: {
        '/notes/{noteId}': {
          get: { operationId: 'getNote', parameters: [{ name: 'noteId', in: 'path', required: true, schema: { type: ['integer', 'null'], examples: [7] } }] },
          patch: {
            operationId: 'patchNote',
            parameters: [{ name: 'noteId', in: 'path', required: true, schema: { type: 'integer', examples: [8] } }],
            requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { title: { type: 'string', example: 'hi' }, pinned: { type: 'boolean' } } } } } },
          },
        },
      },
    };
    const imported = importScenario({ kind: 'openapi', text: JSON.stringify(document, null, 2), label: 'notes.json', documentDir: '.' });
    const { scenario } = validated(imported, 'openapi');
    expect(scenario.target.url).toBe('https://eu.notes.example');
    expect(imported.requests?.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/v2/notes/{{noteId}}'],
      // Another operation gives the same parameter another value: its own variable.
      ['PATCH', '/v2/notes/{{patchNote_noteId}}'],
    ]);
    expect(scenario.variables).toEqual({ noteId: 7, patchNote_noteId: 8 });
    expect(imported.requests?.[1]?.body).toEqual({ kind: 'form', fields: { title: 'hi', pinned: 'true' } });
    expect(imported.untranslated.map((u) => u.what)).toContain('security oauth (oauth2) not translated: only bearer, basic and API keys in a header or query are; add a login step');
  });

  it('turns an undeclared path parameter into a variable to fill, listed', () => {
    const imported = importScenario({ kind: 'openapi', text: 'openapi: 3.0.0\ninfo: { title: t, version: "1" }\nservers: [{ url: "http://127.0.0.1:9" }]\npaths:\n  /files/{fileId}:\n    get: { operationId: getFile }\n', label: 'f.yaml', documentDir: '.' });
    const { scenario } = validated(imported, 'openapi');
    expect(imported.requests?.[0]?.path).toBe('/files/{{fileId}}');
    expect(scenario.variables.fileId).toBe('');
    expect(imported.untranslated.map((u) => u.what).join('\n')).toContain('{{fileId}} is set nowhere the importer can see');
  });

  it('refuses a Swagger 2 document, naming the line', () => {
    const error = thrown(() => importScenario({ kind: 'openapi', text: 'swagger: "2.0"\ninfo: {}\npaths:\n  /a:\n    get: {}\n', label: 'old.yaml', documentDir: '.' }));
    expect(error.exitCode).toBe(2);
    expect(error.details[0]).toMatch(/^old\.yaml:1:1: openapi: expected an OpenAPI version 3\.0\.x or 3\.1\.x; Swagger 2\.0/);
  });
});

describe('Artillery import', () => {
  const load = (name: string) => importScenario({ kind: 'artillery', text: fixture(name), label: name, documentDir: '/fixtures' });

  it('keeps a flow with its captures, expect checks, think and ramping phases', () => {
    const imported = load('load-items.artillery.yml');
    const { scenario } = validated(imported, 'artillery');
    expect(scenario.model).toBe('closed');
    expect(imported.startTarget).toBe(1);
    expect(imported.stages).toEqual([
      { durationS: 10, target: 4 },
      { durationS: 20, target: 4 },
    ]);
    expect(scenario.target.headers).toEqual({ 'x-client': 'capacity-import-test' });
    const [create, read] = imported.flow ?? [];
    expect(create?.captures).toEqual([{ from: 'json', path: 'id', as: 'itemId' }]);
    expect(create?.checks).toEqual([{ kind: 'status', statuses: [201] }, { kind: 'jsonExists', path: 'id' }]);
    expect(create?.thinkAfterS).toBe(1);
    expect(create?.body).toEqual({ kind: 'json', value: { name: 'lamp {{random_1_1000}}', price: 12 } });
    expect(scenario.variables.random_1_1000).toEqual({ range: [1, 1000], order: 'random' });
    expect(read?.path).toBe('/items/{{itemId}}');
    expect(imported.untranslated.map((u) => u.what).join('\n')).toContain('expect contentType not translated');
  });

  it('reads a CSV payload as a data file, environment templates as secrets, and header and regexp captures', () => {
    const imported = load('login-csv.artillery.yml');
    const { scenario } = validated(imported, 'artillery');
    expect(imported.dataFiles).toEqual([{ source: '/fixtures/users.csv', target: 'users.csv', header: ['username', 'password'], skipFirstLine: true }]);
    expect(scenario.variables.users).toEqual({ csv: 'users.csv', order: 'sequential' });
    expect(scenario.variables.SHOP_API_KEY).toEqual({ env: 'SHOP_API_KEY' });
    expect(scenario.variables.pageSize).toEqual({ list: [10, 20] });
    const [login, orders] = imported.flow ?? [];
    expect(login?.body).toEqual({ kind: 'json', value: { username: '{{users.username}}', password: '{{users.password}}' } });
    expect(login?.captures).toEqual([
      { from: 'json', path: 'token', as: 'token' },
      { from: 'header', name: 'x-request-id', as: 'requestId' },
    ]);
    expect(orders?.query).toEqual({ limit: '{{pageSize}}' });
    expect(orders?.captures).toEqual([{ from: 'regex', pattern: '"total":(\\d+)', as: 'total' }]);
    // arrivalCount 40 over 20 s: 2 per second.
    expect(imported.stages).toEqual([{ durationS: 20, target: 2 }]);
  });

  it('makes several scenarios without captures one weighted mix, unrolls small loops, and lists other engines', () => {
    const imported = load('browse-mix.artillery.yml');
    const { scenario } = validated(imported, 'artillery');
    expect(scenario.model).toBe('open');
    expect(imported.requests?.map((r) => [r.path, r.weight])).toEqual([
      ['/search', 0.75],
      ['/', 0.0625],
      ['/items/1', 0.0625],
      ['/items/2', 0.0625],
      ['/items/2', 0.0625],
    ]);
    // Arrivals of 5/s with 0.75 × 1 + 0.25 × 4 = 1.75 requests each.
    expect(imported.startTarget).toBe(8.75);
    expect(imported.stages.map((s) => [s.durationS, s.target])).toEqual([
      [15, 8.75],
      [0, 0],
      [5, 0],
      [0, 17.5],
      [15, 17.5],
    ]);
    expect(imported.untranslated.map((u) => u.what).join('\n')).toContain('engine socketio not translated');
  });

  it('defines what the script sets in code as empty variables, listed, so the scenario loads', () => {
    const script = 'config:\n  target: http://127.0.0.1:9\n  processor: ./helpers.js\nscenarios:\n  - flow:\n      - function: makeSession\n      - get:\n          url: "/sessions/{{ sessionId }}"\n';
    const imported = importScenario({ kind: 'artillery', text: script, label: 'code.yml', documentDir: '.' });
    const { scenario } = validated(imported, 'artillery');
    expect(scenario.variables.sessionId).toBe('');
    const notes = imported.untranslated.map((u) => u.what).join('\n');
    expect(notes).toContain('{{sessionId}} is set nowhere the importer can see');
    expect(notes).toContain('function not translated');
    expect(notes).toContain('config.processor not translated');
  });

  it('refuses a YAML file that is not an Artillery script, naming where', () => {
    const error = thrown(() => importScenario({ kind: 'artillery', text: 'config:\n  target: http://x\n', label: 'a.yml', documentDir: '.' }));
    expect(error.details).toEqual(['a.yml:1:1: scenarios: missing scenarios (a list with a flow each)']);
  });
});
