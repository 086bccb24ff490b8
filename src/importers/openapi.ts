/**
 * OpenAPI 3.0 / 3.1 -> a weighted mix of one-step flows, one per operation: path parameters
 * become variables filled from their examples, query and header parameters are sent when they
 * are required or have an example, request bodies come from their examples (or a sample built
 * from the schema), and bearer or API-key security reads its secret from the environment. Pure.
 */
import { badInput } from '../core/errors.js';
import {
  type ImportedBody,
  type ImportedMethod,
  type ImportedScenario,
  type ImportedVariable,
  type Untranslated,
  envName,
  safeName,
  starterStages,
  uniqueNamer,
  variableName,
} from './model.js';
import { Problems, isRecord, readSource, type SourceDocument } from './source.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;
const OTHER_METHODS = ['trace'];
/** Depth of nested schemas a sample body is built to (recursive schemas stop here). */
const MAX_SAMPLE_DEPTH = 6;

export interface OpenApiImportOptions {
  name: string;
  label: string;
}

type Json = Record<string, unknown>;

/** Follows local references ("#/components/schemas/Pet"); others are reported, not fetched. */
function resolver(root: Json, untranslated: Untranslated[]) {
  const resolve = (value: unknown, where: string, seen = new Set<string>()): unknown => {
    if (!isRecord(value) || typeof value.$ref !== 'string') return value;
    const ref = value.$ref;
    if (!ref.startsWith('#/')) {
      untranslated.push({ where, what: `external reference ${ref} not followed` });
      return undefined;
    }
    if (seen.has(ref)) return undefined;
    let node: unknown = root;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isRecord(node) ? node[key] : undefined;
    }
    if (node === undefined) untranslated.push({ where, what: `reference ${ref} points at nothing` });
    return resolve(node, where, new Set([...seen, ref]));
  };
  return resolve;
}

/** A value for a schema: its example, default, first enum value, or one made from its type. */
function sampleOf(schema: unknown, resolve: (v: unknown, w: string) => unknown, where: string, depth = 0): unknown {
  const s = resolve(schema, where);
  if (!isRecord(s) || depth > MAX_SAMPLE_DEPTH) return null;
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['allOf'] as const) {
    if (Array.isArray(s[key])) {
      const merged: Json = {};
      for (const part of s[key] as unknown[]) {
        const value = sampleOf(part, resolve, where, depth + 1);
        if (isRecord(value)) Object.assign(merged, value);
      }
      return merged;
    }
  }
  for (const key of ['oneOf', 'anyOf'] as const) if (Array.isArray(s[key]) && (s[key] as unknown[]).length > 0) return sampleOf((s[key] as unknown[])[0], resolve, where, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Json = {};
      const properties = isRecord(s.properties) ? s.properties : {};
      for (const [key, value] of Object.entries(properties)) {
        const property = resolve(value, where);
        if (isRecord(property) && property.readOnly === true) continue;
        out[key] = sampleOf(property, resolve, where, depth + 1);
      }
      return out;
    }
    case 'array':
      return [sampleOf(s.items, resolve, where, depth + 1)];
    case 'integer':
      return typeof s.minimum === 'number' ? Math.ceil(s.minimum) : 1;
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'string':
      if (s.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (s.format === 'date') return '2026-01-01';
      if (s.format === 'email') return 'user@example.com';
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      return 'example';
    default:
      return isRecord(s.properties) ? sampleOf({ ...s, type: 'object' }, resolve, where, depth + 1) : null;
  }
}

/** A parameter's or media type's own example, else one from its schema; `fromSchema` says which. */
function exampleOf(holder: Json, resolve: (v: unknown, w: string) => unknown, where: string): { value: unknown; fromSchema: boolean } {
  if (holder.example !== undefined) return { value: holder.example, fromSchema: false };
  if (isRecord(holder.examples)) {
    const first = resolve(Object.values(holder.examples)[0], where);
    if (isRecord(first) && first.value !== undefined) return { value: first.value, fromSchema: false };
  }
  const schema = resolve(holder.schema, where);
  const explicit = isRecord(schema) && (schema.example !== undefined || schema.default !== undefined || Array.isArray(schema.enum) || Array.isArray(schema.examples));
  return { value: sampleOf(schema, resolve, where), fromSchema: !explicit };
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The first server's URL with its variables at their defaults; relative URLs keep only their path. */
function serverOf(root: Json, source: SourceDocument, untranslated: Untranslated[]): { baseUrl?: string; basePath: string } {
  const servers = Array.isArray(root.servers) ? root.servers : [];
  const server = servers[0];
  if (!isRecord(server) || typeof server.url !== 'string') {
    untranslated.push({ where: source.at(['servers']), what: 'no servers: pass the base URL with --target' });
    return { basePath: '' };
  }
  let url = server.url;
  const vars = isRecord(server.variables) ? server.variables : {};
  url = url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = vars[name];
    return isRecord(variable) && variable.default !== undefined ? String(variable.default) : whole;
  });
  if (servers.length > 1) untranslated.push({ where: source.at(['servers', 1]), what: `${servers.length - 1} more server(s) left out; the scenario targets ${url}` });
  if (/^https?:\/\//.test(url)) {
    const parsed = new URL(url);
    return { baseUrl: parsed.origin, basePath: parsed.pathname.replace(/\/$/, '') };
  }
  untranslated.push({ where: source.at(['servers', 0, 'url']), what: `relative server URL ${url}: pass the host with --target` });
  return { basePath: url.replace(/\/$/, '').replace(/^(?!\/)/, '/').replace(/^\/$/, '') };
}

export function importOpenApi(text: string, options: OpenApiImportOptions): ImportedScenario {
  const source = readSource(text, options.label, 'OpenAPI document (YAML or JSON)');
  const problems = new Problems(source);
  const root = source.value;
  if (!isRecord(root)) throw badInput(`${options.label} is not an OpenAPI document`, [`${source.at([])}: expected a mapping with "openapi" and "paths"`]);
  if (typeof root.openapi !== 'string' || !/^3\.[01]\./.test(root.openapi)) {
    const found = root.swagger !== undefined ? `Swagger ${String(root.swagger)} (OpenAPI 2): convert it to OpenAPI 3 first` : `got ${JSON.stringify(root.openapi)}`;
    problems.add(['openapi'], `expected an OpenAPI version 3.0.x or 3.1.x; ${found}`);
  }
  if (!isRecord(root.paths) || Object.keys(root.paths).length === 0) problems.add(['paths'], 'no paths: nothing to load');
  const failure = problems.fail(`${options.label} is not an OpenAPI 3 document this importer can read`);
  if (failure) throw failure;

  const untranslated: Untranslated[] = [];
  const resolve = resolver(root, untranslated);
  const { baseUrl, basePath } = serverOf(root, source, untranslated);
  const variables: Record<string, ImportedVariable> = {};
  const components = isRecord(root.components) ? root.components : {};
  const schemes = isRecord(components.securitySchemes) ? components.securitySchemes : {};

  /** A path variable's name: the parameter's own, unless another operation gave it another value. */
  const variableFor = (param: string, value: unknown, operation: string): string => {
    const base = variableName(param);
    const literal = scalarText(value);
    const existing = variables[base];
    if (!existing || (existing.kind === 'literal' && String(existing.value) === literal)) {
      variables[base] = { kind: 'literal', value: typeof value === 'number' || typeof value === 'boolean' ? value : literal };
      return base;
    }
    const specific = variableName(`${operation}_${param}`);
    variables[specific] = { kind: 'literal', value: typeof value === 'number' || typeof value === 'boolean' ? value : literal };
    return specific;
  };

  /** Headers and query parameters a security requirement adds; the secret comes from the environment. */
  const securityFor = (requirements: unknown, where: string): { headers: Record<string, string>; query: Record<string, string> } => {
    const headers: Record<string, string> = {};
    const query: Record<string, string> = {};
    if (!Array.isArray(requirements) || requirements.length === 0) return { headers, query };
    // Alternatives: the first one the importer can express.
    for (const requirement of requirements) {
      if (!isRecord(requirement)) continue;
      const names = Object.keys(requirement);
      if (names.length === 0) return { headers, query };
      const added: Array<() => void> = [];
      let expressible = true;
      for (const schemeName of names) {
        const scheme = resolve(schemes[schemeName], where);
        const secret = envName(`${schemeName}`);
        if (isRecord(scheme) && scheme.type === 'http' && typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'bearer') {
          added.push(() => {
            variables[secret] = { kind: 'env', name: secret };
            headers.Authorization = `Bearer {{${secret}}}`;
          });
        } else if (isRecord(scheme) && scheme.type === 'http' && typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'basic') {
          added.push(() => {
            variables[secret] = { kind: 'env', name: secret };
            headers.Authorization = `Basic {{${secret}}}`;
          });
        } else if (isRecord(scheme) && scheme.type === 'apiKey' && typeof scheme.name === 'string' && (scheme.in === 'header' || scheme.in === 'query')) {
          const keyName = scheme.name;
          const into = scheme.in === 'header' ? headers : query;
          added.push(() => {
            variables[secret] = { kind: 'env', name: secret };
            into[keyName] = `{{${secret}}}`;
          });
        } else expressible = false;
      }
      if (expressible) {
        for (const add of added) add();
        return { headers, query };
      }
    }
    const kinds = requirements.flatMap((r) => (isRecord(r) ? Object.keys(r) : [])).map((n) => {
      const scheme = resolve(schemes[n], where);
      return `${n} (${isRecord(scheme) ? String(scheme.type) : 'unknown'})`;
    });
    untranslated.push({ where, what: `security ${kinds.join(' or ')} not translated: only bearer, basic and API keys in a header or query are; add a login step` });
    return { headers, query };
  };

  const name = uniqueNamer();
  const requests: NonNullable<ImportedScenario['requests']> = [];
  for (const [template, pathItemRaw] of Object.entries(root.paths as Json)) {
    const pathItem = resolve(pathItemRaw, source.at(['paths', template]));
    if (!isRecord(pathItem)) continue;
    for (const other of OTHER_METHODS) {
      if (pathItem[other] !== undefined) untranslated.push({ where: source.at(['paths', template, other]), what: `${other.toUpperCase()} ${template}: method not in GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS` });
    }
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!isRecord(operation)) continue;
      const where = source.at(['paths', template, method]);
      const opName = name(safeName(typeof operation.operationId === 'string' ? operation.operationId : `${method}-${template}`));
      if (operation.deprecated === true) untranslated.push({ where, what: `${method.toUpperCase()} ${template} is deprecated: imported anyway` });
      const parameters = new Map<string, Json>();
      for (const raw of [...(Array.isArray(pathItem.parameters) ? pathItem.parameters : []), ...(Array.isArray(operation.parameters) ? operation.parameters : [])]) {
        const param = resolve(raw, where);
        if (isRecord(param) && typeof param.name === 'string' && typeof param.in === 'string') parameters.set(`${param.in}:${param.name}`, param);
      }
      let path = `${basePath}${template}`;
      const headers: Record<string, string> = {};
      const query: Record<string, string> = {};
      for (const param of parameters.values()) {
        const paramName = param.name as string;
        const { value, fromSchema } = exampleOf(param, resolve, where);
        if (param.in === 'path') {
          if (fromSchema) untranslated.push({ where, what: `path parameter ${paramName} of ${opName} has no example: ${JSON.stringify(value)} made from its schema (set the variable to real ids)` });
          path = path.split(`{${paramName}}`).join(`{{${variableFor(paramName, value, opName)}}}`);
        } else if (param.in === 'query') {
          if (param.required === true || !fromSchema) query[paramName] = scalarText(value);
        } else if (param.in === 'header') {
          if (param.required === true || !fromSchema) headers[paramName] = scalarText(value);
        } else if (param.in === 'cookie') untranslated.push({ where, what: `cookie parameter ${paramName} of ${opName} not translated` });
      }
      const security = securityFor(operation.security ?? root.security, where);
      Object.assign(headers, security.headers);
      Object.assign(query, security.query);

      let body: ImportedBody | undefined;
      const requestBody = resolve(operation.requestBody, where);
      if (isRecord(requestBody) && isRecord(requestBody.content)) {
        const content = requestBody.content;
        const jsonType = Object.keys(content).find((type) => /^application\/([a-z.+-]*\+)?json\b/.test(type));
        const formType = Object.keys(content).find((type) => type.startsWith('application/x-www-form-urlencoded'));
        if (jsonType) {
          const media = resolve(content[jsonType], where);
          const { value, fromSchema } = isRecord(media) ? exampleOf(media, resolve, where) : { value: {}, fromSchema: true };
          if (fromSchema) untranslated.push({ where, what: `request body of ${opName} has no example: a sample made from its schema is sent` });
          body = { kind: 'json', value };
        } else if (formType) {
          const media = resolve(content[formType], where);
          const { value } = isRecord(media) ? exampleOf(media, resolve, where) : { value: {} };
          const fields: Record<string, string> = {};
          if (isRecord(value)) for (const [key, field] of Object.entries(value)) fields[key] = scalarText(field);
          body = { kind: 'form', fields };
        } else {
          untranslated.push({ where, what: `request body of ${opName} (${Object.keys(content).join(', ')}) not translated: only JSON and form bodies are` });
        }
      }
      requests.push({
        name: opName,
        method: method.toUpperCase() as ImportedMethod,
        path,
        headers,
        query,
        ...(body ? { body } : {}),
        captures: [],
        checks: [],
        weight: 1,
      });
    }
  }
  if (requests.length === 0) throw badInput(`${options.label} has no operation to load`, [`${source.at(['paths'])}: paths: no get, post, put, patch, delete, head or options operation`]);

  const info = isRecord(root.info) ? root.info : {};
  const title = typeof info.title === 'string' ? info.title : options.label;
  return {
    name: options.name,
    description: `Imported from the OpenAPI ${String(root.openapi)} document ${options.label} (${title}): ${requests.length} operation(s), equal weights.`,
    ...(baseUrl ? { baseUrl } : {}),
    defaultHeaders: {},
    variables,
    requests,
    dataFiles: [],
    thinkTimeS: 0,
    model: 'open',
    startTarget: 0,
    stages: starterStages(),
    maxUsers: 50,
    untranslated,
  };
}
