/**
 * The one implementation of the scenario language at run time: drawing variables, filling
 * {{name}} templates, building a request, the order of a virtual user's requests (sign-in, flow
 * steps or the weighted mix, a second sign-in after a 401), checks and captures. It is plain
 * JavaScript (ES2015, no imports) so that the same text runs in Node (autocannon, evaluated by
 * runtime.ts), in Artillery's processor and in k6's script: every engine honours the same semantics
 * because it runs the same code. Unit-tested through runtime.ts.
 *
 * config: { variables, rows: { name: row[] }, env: { NAME: value }, headers, requests, flow, auth }
 * io: { random(): number in [0, 1), next(name): the shared counter of a sequential or unique source }
 */
export const RUNTIME_SOURCE = String.raw`
function capacityRuntime(config, io) {
  'use strict';
  var REF = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z0-9_][A-Za-z0-9_ -]*?))?\s*\}\}/g;
  var NONE = [];
  var NOT_FOUND = { found: false };
  var WHOLE = /^\{\{\s*([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z0-9_][A-Za-z0-9_ -]*?))?\s*\}\}$/;
  var defs = {};
  (config.variables || []).forEach(function (v) { defs[v.name] = v; });
  var requests = config.requests;
  var cumulative = [];
  var total = 0;
  requests.forEach(function (r) { total += Math.max(0, r.weight); cumulative.push(total); });
  var auth = config.auth;
  // Compiled once per distinct text and reused on every request: a template's literal parts and
  // references, a JSON path's keys, a capture's regular expression. Capped, in case a caller fills
  // texts that are not the scenario's own.
  var CACHE_LIMIT = 4096;
  var templates = new Map();
  var jsonPaths = new Map();
  var patterns = new Map();
  function remember(cache, key, value) {
    if (cache.size < CACHE_LIMIT) cache.set(key, value);
    return value;
  }

  function exhausted(name) {
    var error = new Error('the rows of ' + name + ' ran out (order: unique)');
    error.capacityExhausted = name;
    return error;
  }
  function uuid() {
    var hex = '';
    for (var i = 0; i < 32; i += 1) {
      var digit = Math.floor(io.random() * 16);
      if (i === 12) digit = 4;
      if (i === 16) digit = (digit & 3) | 8;
      hex += digit.toString(16);
    }
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }
  function draw(def) {
    if (def.kind === 'literal') return def.value;
    if (def.kind === 'list') return def.values[Math.floor(io.random() * def.values.length)];
    if (def.kind === 'range') {
      var size = def.high - def.low + 1;
      return def.low + (def.order === 'sequential' ? io.next(def.name) % size : Math.floor(io.random() * size));
    }
    if (def.kind === 'uuid') return uuid();
    if (def.kind === 'env') return config.env[def.env];
    var rows = config.rows[def.name] || [];
    if (rows.length === 0) throw exhausted(def.name);
    if (def.order === 'random') return rows[Math.floor(io.random() * rows.length)];
    var index = io.next(def.name);
    if (def.order === 'unique' && index >= rows.length) throw exhausted(def.name);
    return rows[index % rows.length];
  }
  function lookup(user, name, column) {
    var value;
    if (Object.prototype.hasOwnProperty.call(user.captured, name)) value = user.captured[name];
    else if (defs[name]) {
      if (!Object.prototype.hasOwnProperty.call(user.iteration, name)) user.iteration[name] = draw(defs[name]);
      value = user.iteration[name];
    }
    if (column !== undefined) value = value === null || value === undefined ? undefined : value[column];
    return value;
  }
  function asText(value) {
    if (value === null || value === undefined) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  /** A text as literal parts around its {{references}}: literals has one entry more than names. */
  function template(text) {
    var compiled = templates.get(text);
    if (compiled !== undefined) return compiled;
    var literals = [];
    var names = [];
    var columns = [];
    var last = 0;
    var match;
    REF.lastIndex = 0;
    while ((match = REF.exec(text)) !== null) {
      literals.push(text.slice(last, match.index));
      names.push(match[1]);
      columns.push(match[2]);
      last = match.index + match[0].length;
    }
    REF.lastIndex = 0;
    literals.push(text.slice(last));
    var whole = WHOLE.exec(text);
    return remember(templates, text, { literals: literals, names: names, columns: columns, whole: whole ? { name: whole[1], column: whole[2] } : undefined });
  }
  function fillText(user, text, encode) {
    var compiled = template(text);
    var names = compiled.names;
    if (names.length === 0) return text;
    var out = compiled.literals[0];
    for (var i = 0; i < names.length; i += 1) {
      var value = asText(lookup(user, names[i], compiled.columns[i]));
      out += (encode ? encodeURIComponent(value) : value) + compiled.literals[i + 1];
    }
    return out;
  }
  function fillJson(user, value) {
    if (typeof value === 'string') {
      var whole = template(value).whole;
      if (whole) {
        var found = lookup(user, whole.name, whole.column);
        return found === undefined ? '' : found;
      }
      return fillText(user, value, false);
    }
    if (Array.isArray(value)) return value.map(function (item) { return fillJson(user, item); });
    if (value !== null && typeof value === 'object') {
      var out = {};
      Object.keys(value).forEach(function (key) { out[key] = fillJson(user, value[key]); });
      return out;
    }
    return value;
  }
  function formEncode(text) {
    return encodeURIComponent(text).replace(/%20/g, '+');
  }
  function hasHeader(headers, name) {
    var lower = name.toLowerCase();
    return Object.keys(headers).some(function (key) { return key.toLowerCase() === lower; });
  }

  /** A new virtual user: its captured values live as long as it does. */
  function newUser() {
    return { captured: {}, iteration: {}, step: 0, signedIn: false, signInAgain: false, retried: false };
  }
  /** The next request the user sends: its sign-in first (per user), then flow steps in order or a pick of the mix. */
  function next(user) {
    if (auth && auth.per === 'user' && (!user.signedIn || user.signInAgain)) return auth.login;
    if (config.flow) return requests[user.step % requests.length];
    user.iteration = {};
    var point = io.random() * total;
    for (var i = 0; i < cumulative.length; i += 1) if (point < cumulative[i]) return requests[i];
    return requests[requests.length - 1];
  }
  /** The request as sent: method, path with its query, headers and body text (variables drawn now). */
  function build(user, request) {
    var isLogin = auth && request === auth.login;
    if (!isLogin) return buildOne(user, request);
    // The sign-in draws its own values, leaving those of the pass it may interrupt (after a 401) alone.
    var pass = user.iteration;
    user.iteration = {};
    try {
      return buildOne(user, request);
    } finally {
      user.iteration = pass;
    }
  }
  function buildOne(user, request) {
    if (config.flow && request !== (auth && auth.login) && user.step % requests.length === 0 && !user.iterationStarted) {
      user.iteration = {};
      user.iterationStarted = true;
    }
    var path = fillText(user, request.path, true);
    if (request.query) {
      var parts = Object.keys(request.query).map(function (key) {
        return encodeURIComponent(key) + '=' + encodeURIComponent(fillText(user, request.query[key], false));
      });
      if (parts.length > 0) path += (path.indexOf('?') >= 0 ? '&' : '?') + parts.join('&');
    }
    var headers = {};
    var defaults = config.headers || {};
    var key;
    for (key in defaults) if (Object.prototype.hasOwnProperty.call(defaults, key)) headers[key] = fillText(user, defaults[key], false);
    var own = request.headers || {};
    for (key in own) {
      if (!Object.prototype.hasOwnProperty.call(own, key)) continue;
      var lower = key.toLowerCase();
      for (var existing in headers) if (existing.toLowerCase() === lower) delete headers[existing];
      headers[key] = fillText(user, own[key], false);
    }
    var body;
    if (request.body) {
      var type;
      if (Object.prototype.hasOwnProperty.call(request.body, 'json')) {
        body = JSON.stringify(fillJson(user, request.body.json));
        type = 'application/json';
      } else if (request.body.form) {
        body = Object.keys(request.body.form).map(function (key) {
          return formEncode(key) + '=' + formEncode(fillText(user, request.body.form[key], false));
        }).join('&');
        type = 'application/x-www-form-urlencoded';
      } else {
        body = fillText(user, request.body.raw, false);
        type = request.body.contentType;
      }
      if (!hasHeader(headers, 'content-type')) headers['content-type'] = type;
    }
    return { name: request.name, method: request.method, path: path, headers: headers, body: body };
  }
  /** The keys of a JSON path ('$.data.items[0].id' or 'data.items[0].id'); [] is the document itself. */
  function jsonPathKeys(path) {
    var keys = jsonPaths.get(path);
    if (keys !== undefined) return keys;
    keys = [];
    path.replace(/^\$\.?/, '').replace(/([^.[\]]+)|\[(\d+)\]/g, function (_m, key, index) { keys.push(index !== undefined ? Number(index) : key); return ''; });
    return remember(jsonPaths, path, keys);
  }
  function jsonAt(document, path) {
    var keys = jsonPathKeys(path);
    if (keys.length === 0) return { found: true, value: document };
    var node = document;
    for (var i = 0; i < keys.length; i += 1) {
      if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, keys[i])) return { found: false };
      node = node[keys[i]];
    }
    return { found: true, value: node };
  }
  function sameJson(a, b) {
    // Strings, booleans and finite numbers: equal as JSON exactly when equal as values.
    var kind = typeof a;
    if (kind === typeof b && (kind === 'string' || kind === 'boolean' || (kind === 'number' && isFinite(a) && isFinite(b)))) return a === b;
    return JSON.stringify(a) === JSON.stringify(b);
  }
  function pattern(source) {
    var compiled = patterns.get(source);
    return compiled !== undefined ? compiled : remember(patterns, source, new RegExp(source));
  }
  /** What a failed check says (worded only when one fails). */
  function checkProblem(check, status) {
    if (check.status) return 'status ' + status + ' is not ' + check.status.join(' or ');
    if (check.jsonPath !== undefined) {
      if (Object.prototype.hasOwnProperty.call(check, 'equals')) return check.jsonPath + ' does not equal ' + JSON.stringify(check.equals);
      return check.jsonPath + (check.exists ? ' is missing' : ' exists');
    }
    return 'body lacks ' + JSON.stringify(check.bodyContains);
  }
  function parseJson(text) {
    try { return { value: JSON.parse(text) }; } catch (_e) { return undefined; }
  }
  /**
   * Checks and captures of a response. header(name) reads a response header (any case).
   * Returns { ok, kind, problem }: kind 'status' (an unexpected status), 'check' (a failed check or a
   * capture that found nothing) or undefined.
   */
  function receive(user, request, status, header, bodyText) {
    var isLogin = auth && request === auth.login;
    var expected = request.expectStatus && request.expectStatus.length > 0 ? request.expectStatus.indexOf(status) >= 0 : status >= 200 && status < 400;
    var outcome = { ok: expected };
    if (!expected) outcome.kind = 'status';
    // The body is parsed once, and only when a check or capture reads a JSON path.
    var parsed;
    var parsedOnce = false;
    var text = bodyText || '';
    if (expected) {
      var checks = request.checks || NONE;
      for (var c = 0; c < checks.length && outcome.ok; c += 1) {
        var check = checks[c];
        var passed;
        if (check.status) passed = check.status.indexOf(status) >= 0;
        else if (check.jsonPath !== undefined) {
          if (!parsedOnce) { parsedOnce = true; parsed = parseJson(bodyText); }
          var at = parsed ? jsonAt(parsed.value, check.jsonPath) : NOT_FOUND;
          passed = Object.prototype.hasOwnProperty.call(check, 'equals') ? at.found && sameJson(at.value, fillJson(user, check.equals)) : at.found === check.exists;
        } else passed = text.indexOf(fillText(user, check.bodyContains, false)) >= 0;
        if (!passed) { outcome.ok = false; outcome.kind = 'check'; outcome.problem = checkProblem(check, status); }
      }
      var captures = request.captures || NONE;
      for (var k = 0; k < captures.length; k += 1) {
        var capture = captures[k];
        var value;
        if (capture.json !== undefined) {
          if (!parsedOnce) { parsedOnce = true; parsed = parseJson(bodyText); }
          var found = parsed ? jsonAt(parsed.value, capture.json) : NOT_FOUND;
          value = found.found ? found.value : undefined;
        }
        else if (capture.header !== undefined) value = header(capture.header);
        else { var match = pattern(capture.regex).exec(text); value = match ? (match.length > 1 ? match[1] : match[0]) : undefined; }
        if (value === undefined || value === null) {
          if (outcome.ok) { outcome.ok = false; outcome.kind = 'check'; outcome.problem = 'capture ' + capture.variable + ' found nothing'; }
        } else user.captured[capture.variable] = value;
      }
    }
    if (isLogin) {
      user.signedIn = outcome.ok || user.signedIn;
      user.signInAgain = false;
    } else {
      if (status === 401 && auth && auth.per === 'user' && !user.retried) { user.signInAgain = true; user.retried = true; }
      else if (outcome.ok) user.retried = false;
      if (config.flow) {
        user.step += 1;
        if (user.step % requests.length === 0) user.iterationStarted = false;
      }
    }
    return outcome;
  }
  /** Seconds to pause after this request (flow steps: their own; the sign-in and the mix: the scenario's think time). */
  function thinkAfter(request) {
    return request.thinkTimeS !== undefined ? request.thinkTimeS : config.thinkTimeS || 0;
  }
  return { newUser: newUser, next: next, build: build, receive: receive, thinkAfter: thinkAfter, fillText: fillText, jsonAt: jsonAt };
}
`;
