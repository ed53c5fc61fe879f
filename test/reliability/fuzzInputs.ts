// Generators of hostile inputs for every door of the relay: HTTP requests (request line, path,
// query, headers, body), WebSocket upgrades and WebSocket frames. Each input comes from one seeded
// Rng, so `seed` and `index` reproduce it exactly. The token is written as TOKEN_MARK and filled in
// only when the bytes are sent, so a printed input never shows the real token.
import type { Rng } from '../helpers/prng';

export const TOKEN_MARK = '\u0000TOKEN\u0000';

/** Ids the relay knows (filled in by the test once it has made them) next to ids it does not. */
export interface KnownIds {
  pendingApproval: string;
  decidedApproval: string;
  task: string;
  widget: string;
  mcpServer: string;
  mcpTool: string;
  /** A log of the configured log directory, as GET /api/logs names it. */
  log: string;
}

export interface HttpInput {
  door: 'http' | 'raw-http' | 'request-line' | 'upgrade';
  method: string;
  /** The request bytes with TOKEN_MARK where the token goes. */
  text: Buffer;
  /** Framing broken on purpose: the client ends its side after writing, and a close is an answer. */
  halfClose: boolean;
}

interface Route {
  method: string;
  path: (ids: KnownIds, rng: Rng) => string;
  body?: (ids: KnownIds, rng: Rng) => unknown;
  query?: (rng: Rng) => string;
}

/** An object whose own key is `__proto__` (a literal `{ __proto__: … }` would set the prototype instead). */
function ownProtoKey(): unknown {
  return JSON.parse('{"__proto__":{"polluted":true}}');
}

const hostileSegments = [
  '..', '%2e%2e', '%2E%2E%2F', '..%2f..%2fetc%2fpasswd', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  '%', '%ZZ', '%E2%82', '%C0%AF', '%00', '%FF%FE', '\u00e9t\u00e9', '%F0%9F%92%A5', '\u{1F4A5}', '', ' ', '%20', 'a'.repeat(300),
  'x'.repeat(9000), 'a;b', 'a?b', 'a#b', '*', '~', '$', 'null', 'undefined', 'NaN', '-1', '1e999',
];

function segment(rng: Rng, known: string): string {
  return rng.chance(0.4) ? known : rng.pick(hostileSegments);
}

function approvalBody(rng: Rng): Record<string, unknown> {
  // A short timeout: an approval the fuzzer creates expires on its own instead of piling up.
  return { title: rng.pick(['Deploy', ' ', 'x'.repeat(250), '\u202e', 'ok']), confidence: rng.pick([0, 50, 99, 100, 101, -1, 1e308]), risk: rng.pick(['low', 'medium', 'high', 'none']), timeoutMs: rng.pick([1, 500, 1000, 0, 1.5]) };
}

const routes: Route[] = [
  { method: 'GET', path: () => '/health' },
  { method: 'GET', path: () => '/metrics' },
  { method: 'GET', path: () => '/', query: (rng) => rng.pick(['', `?token=${TOKEN_MARK}`, '?token=%', '?token=%ZZ', `?token=${'a'.repeat(5000)}`, '?token=&token=x']) },
  { method: 'GET', path: (_, rng) => `/assets/${rng.pick(['dashboard.js', 'dashboard.css', '..%2f..%2fpackage.json', '%2e%2e/%2e%2e/package.json', '__proto__', '.%00.js', 'x'.repeat(400)])}` },
  { method: 'GET', path: () => '/api/mcp/servers' },
  { method: 'GET', path: (ids, rng) => `/api/mcp/servers/${segment(rng, ids.mcpServer)}` },
  { method: 'GET', path: (ids, rng) => `/api/mcp/servers/${segment(rng, ids.mcpServer)}/logs` },
  { method: 'POST', path: (ids, rng) => `/api/mcp/servers/${segment(rng, ids.mcpServer)}/restart` },
  {
    method: 'POST',
    path: (ids, rng) => `/api/mcp/servers/${segment(rng, ids.mcpServer)}/tools/${segment(rng, ids.mcpTool)}/call`,
    body: (_, rng) => ({ arguments: rng.pick([{ text: 'hi' }, { text: 1 }, null, [], ownProtoKey(), 'x']) }),
  },
  { method: 'DELETE', path: (_, rng) => `/api/mcp/calls/${rng.pick(hostileSegments)}` },
  { method: 'GET', path: () => '/api/mesh/agents' },
  { method: 'POST', path: () => '/api/mesh/check', body: (_, rng) => rng.pick([{}, { ids: [] }, { ids: ['nope', '__proto__'] }, { ids: 'x' }]) },
  { method: 'POST', path: () => '/api/approvals', body: (_, rng) => approvalBody(rng) },
  { method: 'GET', path: () => '/api/approvals', query: (rng) => rng.pick(['', '?status=pending', '?status=__proto__', '?status=%', '?status=pending&status=approved', '?toString=1', '?__proto__[x]=1']) },
  { method: 'GET', path: (ids, rng) => `/api/approvals/${segment(rng, rng.chance(0.5) ? ids.pendingApproval : ids.decidedApproval)}` },
  // Only the decided approval is waited on: a wait on a pending one lasts its timeout by design.
  {
    method: 'GET',
    path: (ids, rng) => `/api/approvals/${rng.chance(0.5) ? ids.decidedApproval : rng.pick(hostileSegments)}/wait`,
    query: (rng) => rng.pick(['', '?timeoutMs=0', '?timeoutMs=-1', '?timeoutMs=1e999', '?timeoutMs=9007199254740993', '?timeoutMs=%ZZ', '?timeoutMs=100&timeoutMs=200', '?x=1']),
  },
  {
    method: 'POST',
    path: (ids, rng) => `/api/approvals/${segment(rng, rng.chance(0.5) ? ids.pendingApproval : ids.decidedApproval)}/decision`,
    body: (_, rng) => rng.pick([{ decision: 'approve' }, { decision: 'reject', comment: 'no' }, { decision: 'maybe' }, { decision: 'approve', by: '' }, { decision: ['approve'] }]),
  },
  { method: 'DELETE', path: (ids, rng) => `/api/approvals/${segment(rng, ids.pendingApproval)}`, body: (_, rng) => rng.pick([{}, { reason: 'x' }, { reason: 1 }]) },
  { method: 'GET', path: () => '/api/approval-rules' },
  { method: 'POST', path: () => '/api/approval-rules', body: (_, rng) => ({ tool: rng.pick(['fuzz_tool', '', '__proto__']), scope: rng.pick(['session', 'workspace', 'forever']) }) },
  { method: 'DELETE', path: () => '/api/approval-rules', body: (_, rng) => ({ tool: rng.pick(['fuzz_tool', 'nope']), scope: rng.pick(['session', 'workspace']) }) },
  { method: 'GET', path: () => '/api/tasks' },
  { method: 'GET', path: (ids, rng) => `/api/tasks/${segment(rng, ids.task)}` },
  { method: 'POST', path: () => '/api/tasks', body: (_, rng) => ({ title: rng.pick(['Fuzz', '']), steps: rng.pick([[{ name: 'a' }], [], [{ name: 'a', weight: -1 }], [{ name: 'a', weight: Infinity }]]) }) },
  { method: 'PATCH', path: (ids, rng) => `/api/tasks/${segment(rng, ids.task)}`, body: (_, rng) => rng.pick([{ step: 0, progress: 0.5 }, { progress: 2 }, { step: -1 }, { status: 'completed' }, { state: 'exploded' }]) },
  { method: 'DELETE', path: (ids, rng) => `/api/tasks/${segment(rng, ids.task)}`, body: () => ({}) },
  { method: 'GET', path: () => '/api/widgets' },
  {
    method: 'POST',
    path: () => '/api/widgets',
    body: (ids, rng) => ({ id: rng.pick([ids.widget, '__proto__', 'constructor', '', 'w'.repeat(200)]), type: rng.pick(['alert', 'metrics', 'task_progress', 'toString', '__proto__']), data: rng.pick([{ title: 'a', message: 'b' }, {}, null, [], ownProtoKey()]) }),
  },
  { method: 'DELETE', path: (ids, rng) => `/api/widgets/${segment(rng, ids.widget)}` },
  { method: 'POST', path: (ids, rng) => `/api/widgets/${segment(rng, ids.widget)}/retry` },
  { method: 'GET', path: () => '/api/dashboard/state' },
  {
    method: 'POST',
    path: () => '/api/dashboard/state',
    body: (_, rng) => ({ version: rng.pick([0, 1, -1, 2 ** 53 - 1, 2 ** 53, 1.5, 1e308]), state: rng.pick<unknown>([{ fuzz: { a: 1 } }, ownProtoKey(), [], null, { constructor: { prototype: { x: 1 } } }]), ...(rng.chance(0.3) ? { checksum: rng.pick(['', 'ab', 'x'.repeat(64)]) } : {}) }),
  },
  { method: 'POST', path: () => '/mcp', body: (_, rng) => mcpMessage(rng) },
  { method: 'GET', path: () => '/api/logs' },
  {
    method: 'GET',
    path: (ids, rng) => `/api/logs/${segment(rng, ids.log)}/entries`,
    query: (rng) =>
      rng.pick(['', '?limit=1', '?limit=0', '?limit=201', '?limit=1e999', '?limit=5&limit=6', '?cursor=0.0', '?cursor=-1.0', '?cursor=%ZZ', `?cursor=${'9'.repeat(40)}`, '?outcome=error', '?outcome=__proto__', '?tool=migrate', '?tool=', `?q=${'q'.repeat(201)}`, '?q=%E2%82', '?q=(a%2B)%2B%24', '?__proto__=1']),
  },
  {
    method: 'GET',
    path: () => '/api/history',
    query: (rng) =>
      rng.pick(['', '?type=approval', '?type=__proto__', '?status=approved', '?from=2026-13-45', '?from=2026-11-30&to=2026-11-01', '?to=9999-12-31', '?limit=0', '?limit=501', '?cursor=%ZZ', `?cursor=${'x'.repeat(300)}`, `?q=${'q'.repeat(201)}`, '?q=.*', '?agent=%00', '?type=task&type=alert', '?toString=1']),
  },
  { method: 'GET', path: () => '/api/history/export', query: (rng) => rng.pick(['?format=csv', '?format=json', '', '?format=xml', '?format=csv&type=alert', '?format=json&q=%ZZ', '?format=csv&from=x', '?format=csv&format=json']) },
];

const mcpMethods = ['initialize', 'tools/list', 'tools/call', 'ping', 'logging/setLevel', 'resources/list', 'prompts/get', 'notifications/initialized', '__proto__', 'toString', ''];

function mcpMessage(rng: Rng): unknown {
  const method = rng.pick(mcpMethods);
  const params =
    method === 'tools/call'
      ? {
          name: rng.pick(['request_approval', 'wait_for_approval', 'report_progress', 'render_widget', 'nope', '__proto__']),
          // request_approval waits for a decision; a short timeout keeps a valid call from waiting long.
          arguments: rng.pick([approvalBody(rng), { title: 'T', steps: [{ name: 's' }] }, { id: 'fuzz-mcp', type: 'alert', data: { title: 'a', message: 'b' } }, { taskId: '__proto__', progress: 0.5 }, { id: rng.pick(['__proto__', 'fuzz-unknown', 'x'.repeat(129)]) }, null, []]),
        }
      : method === 'logging/setLevel'
        ? { level: rng.pick(['debug', 'emergency', 'loud', '', '__proto__', 7]) }
        : method === 'initialize'
          ? { protocolVersion: rng.pick(['2025-06-18', '2024-11-05', '', 'x'.repeat(500)]), capabilities: {}, clientInfo: { name: 'fuzz', version: '0' } }
          : rng.pick([undefined, {}, [], null, 'x']);
  const message: Record<string, unknown> = { jsonrpc: rng.pick(['2.0', '1.0', 2]), method };
  if (rng.chance(0.9)) message.id = rng.pick([1, 'a', null, 2 ** 53 - 1, {}, -0]);
  if (params !== undefined) message.params = params;
  return rng.chance(0.1) ? [message, message] : message;
}

/** A JSON value meant to hurt a parser or a validator. */
export function hostileJson(rng: Rng, depth = 0): unknown {
  const roll = rng.int(14);
  if (depth > 3 || roll < 4) return rng.pick<unknown>([0, -0, 1, 2 ** 53 - 1, -(2 ** 53), 1e308, 5e-324, 1.5, true, false, null, '', 'x', '\u0000', '\ud800', '\u202e', 'y'.repeat(rng.int(3000))]);
  if (roll < 7) {
    const out: Record<string, unknown> = {};
    const keys = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'a', 'b.c', '', '\u0000', 'hasOwnProperty'];
    for (let i = rng.int(4); i >= 0; i--) Object.defineProperty(out, rng.pick(keys), { value: hostileJson(rng, depth + 1), enumerable: true, configurable: true, writable: true });
    return out;
  }
  if (roll < 9) return Array.from({ length: rng.int(4) }, () => hostileJson(rng, depth + 1));
  return rng.pick<unknown>([{ a: 1 }, [], {}, [[[]]]]);
}

/** Text that is not JSON, or JSON too deep, too large or with numbers beyond any range. */
export function brokenJsonText(rng: Rng): string {
  const depth = rng.pick([64, 1000, 10_000, 100_000]);
  return rng.pick([
    () => '{',
    () => '{"a":1,}',
    () => "{'a':1}",
    () => '{"a":NaN}',
    () => '\ufeff{"a":1}',
    () => '[' .repeat(depth) + ']'.repeat(depth),
    () => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    () => '['.repeat(depth),
    () => `{"version":1${'0'.repeat(400)},"n":-1e999999}`,
    () => `{"big":${'9'.repeat(5000)}}`,
    () => '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    () => '{"a":"\\ud800"}',
    () => '"just a string"',
    () => 'null',
    () => '',
    () => '{"a":1}{"b":2}',
    () => '\u0000\u0001\u0002',
    () => JSON.stringify({ k: 'v'.repeat(rng.pick([10, 100_000, 900_000])) }),
  ])();
}

function body(route: Route, ids: KnownIds, rng: Rng): Buffer | undefined {
  const roll = rng.int(10);
  if (roll < 4 && route.body) return Buffer.from(JSON.stringify(route.body(ids, rng)));
  if (roll < 6) return Buffer.from(brokenJsonText(rng));
  if (roll < 8) return Buffer.from(JSON.stringify(hostileJson(rng)) ?? 'null');
  if (roll < 9) return Buffer.concat([Buffer.from('{"title":"'), rng.bytes(rng.int(64)), Buffer.from('"}')]); // invalid UTF-8 inside a string
  return rng.chance(0.5) ? undefined : Buffer.alloc(0);
}

/** The cookie the dashboard page once carried the token in: a relay must survive any value of it. */
const TOKEN_COOKIE = 'agent_mesh_token';
/** A browser page's session secret in the shape `expiry.nonce.mac`, forged. */
const FORGED_SESSION = `${'1'.repeat(11)}.${'A'.repeat(22)}.${'B'.repeat(43)}`;
const sessionValues = ['', '%ZZ', FORGED_SESSION, `${FORGED_SESSION}x`, 's'.repeat(5000), '..', '__proto__', TOKEN_MARK];

const cookieValues = [
  `${TOKEN_COOKIE}=${TOKEN_MARK}`, `${TOKEN_COOKIE}=%`, `${TOKEN_COOKIE}=%ZZ`, `${TOKEN_COOKIE}=%E2%82`, 'a=%; b=%ZZ; c=%E2%82%AC',
  `${TOKEN_COOKIE}=${TOKEN_MARK}; ${TOKEN_COOKIE}=wrong`, '=; ;;=;', `x=${'%'.repeat(4000)}`, '__proto__=1; constructor=2', 'a="unterminated',
];

function headers(rng: Rng, method: string, payload: Buffer | undefined): string[] {
  const lines: string[] = [];
  lines.push(`Host: ${rng.pick(['127.0.0.1', 'localhost', 'evil.example', '', '127.0.0.1:1', 'h'.repeat(3000), '[::1]', '%ZZ'])}`);
  const auth = rng.int(10);
  if (auth < 6) lines.push(`Authorization: Bearer ${TOKEN_MARK}`);
  else if (auth < 9) lines.push(`Authorization: ${rng.pick(['Bearer', 'Bearer ', 'Bearer wrong', `bearer ${TOKEN_MARK}`, `Bearer ${TOKEN_MARK} x`, `Basic ${TOKEN_MARK}`, `Bearer ${'a'.repeat(8000)}`, 'Bearer %ZZ'])}`);
  if (rng.chance(auth < 6 ? 0.2 : 0.6)) lines.push(`Cookie: ${rng.pick(cookieValues)}`);
  if (rng.chance(auth < 6 ? 0.05 : 0.3)) lines.push(`X-Agent-Mesh-Session: ${rng.pick(sessionValues)}`);
  if (rng.chance(0.3)) lines.push(`Origin: ${rng.pick(['http://127.0.0.1', 'http://evil.example', 'null', '', '%ZZ', 'http://localhost:1'])}`);
  if (payload !== undefined || rng.chance(0.2)) {
    lines.push(`Content-Type: ${rng.pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', '', '*/*'])}`);
  }
  if (rng.chance(0.1)) lines.push(`Accept: ${rng.pick(['application/json, text/event-stream', 'text/event-stream', 'application/x-ndjson', '*/*', ''])}`);
  if (rng.chance(0.05)) lines.push(`X-Forwarded-For: ${rng.pick(['1.2.3.4', '%ZZ', ''])}`);
  if (payload !== undefined) lines.push(`Content-Length: ${payload.length}`);
  if (method === 'GET' && rng.chance(0.02)) lines.push(`X-Long: ${'v'.repeat(rng.pick([100, 20_000]))}`);
  return lines;
}

function query(route: Route, rng: Rng): string {
  if (route.query && rng.chance(0.7)) return route.query(rng);
  return rng.chance(0.15) ? rng.pick(['?', '?&&', '?a=%', '?%ZZ=1', '?__proto__=1', `?x=${'q'.repeat(5000)}`, '?a=1&a=2&a[]=3', '?\u00e9=\u{1F4A5}']) : '';
}

function assemble(requestLine: string, headerLines: string[], payload: Buffer | undefined): Buffer {
  return Buffer.concat([Buffer.from(`${requestLine}\r\n${headerLines.join('\r\n')}\r\n\r\n`, 'utf8'), payload ?? Buffer.alloc(0)]);
}

/** A request to one of the documented routes, with hostile path, query, headers and body. */
export function routeInput(rng: Rng, ids: KnownIds): HttpInput {
  const route = rng.pick(routes);
  const method = rng.chance(0.08) ? rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']) : route.method;
  const payload = method === 'GET' || method === 'HEAD' ? (rng.chance(0.05) ? Buffer.from('{}') : undefined) : body(route, ids, rng);
  const target = route.path(ids, rng) + query(route, rng);
  return { door: 'http', method, text: assemble(`${method} ${target} HTTP/1.1`, headers(rng, method, payload), payload), halfClose: false };
}

/** A well-formed request whose bytes are then flipped, cut or doubled: the framing is no longer trusted. */
export function rawInput(rng: Rng, ids: KnownIds): HttpInput {
  const base = Buffer.from(routeInput(rng, ids).text);
  for (let edits = 1 + rng.int(4); edits > 0; edits--) {
    const at = rng.int(base.length);
    const kind = rng.int(4);
    if (kind === 0) base[at] = rng.int(256);
    else if (kind === 1) base[at] = rng.pick([0x0d, 0x0a, 0x00, 0x20, 0x3a, 0x25]);
    else if (kind === 2) return { door: 'raw-http', method: '?', text: base.subarray(0, at), halfClose: true };
    else return { door: 'raw-http', method: '?', text: Buffer.concat([base.subarray(0, at), base.subarray(at - Math.min(at, 40))]), halfClose: true };
  }
  return { door: 'raw-http', method: '?', text: base, halfClose: true };
}

/** Odd methods, targets and versions on the request line. */
export function requestLineInput(rng: Rng): HttpInput {
  const method = rng.pick(['GET', 'get', 'G\u0000ET', 'CONNECT', 'TRACE', 'PRI', 'M'.repeat(1000), 'PROPFIND', 'DELETE', '']);
  const target = rng.pick(['/health', '*', 'http://evil.example/api/approvals', '//api//approvals', 'api/approvals', '/api/approvals/../approvals', '/%2e%2e/%2e%2e/etc/passwd', `/${'p'.repeat(rng.pick([100, 9000, 70_000]))}`, '/api/dashboard/state#frag', '/\u00e9', '/ws', '/%', '']);
  const version = rng.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.1x', 'HTTP/9.9', '', 'http/1.1']);
  const line = method === 'PRI' ? 'PRI * HTTP/2.0' : `${method} ${target} ${version}`.trim();
  return { door: 'request-line', method, text: assemble(line, [`Host: 127.0.0.1`, `Authorization: Bearer ${TOKEN_MARK}`], undefined), halfClose: false };
}

/** A WebSocket upgrade with hostile keys, versions, subprotocols, device ids and credentials. */
export function upgradeInput(rng: Rng): HttpInput {
  const deviceId = rng.pick(['', '?deviceId=fuzz-device', '?deviceId=__proto__', '?deviceId=%ZZ', `?deviceId=${'d'.repeat(5000)}`, '?deviceId=..%2F..', '?deviceId=\u{1F4A5}', '?deviceId=a&deviceId=b', '?deviceId=toString']);
  const lines = [
    'Host: 127.0.0.1',
    `Upgrade: ${rng.pick(['websocket', 'WebSocket', 'h2c', ''])}`,
    `Connection: ${rng.pick(['Upgrade', 'upgrade, keep-alive', 'close', ''])}`,
    `Sec-WebSocket-Version: ${rng.pick(['13', '8', 'abc', '', '13, 8'])}`,
  ];
  if (rng.chance(0.9)) lines.push(`Sec-WebSocket-Key: ${rng.pick(['dGhlIHNhbXBsZSBub25jZQ==', rng.bytes(16).toString('base64'), 'short', '', '%ZZ', 'k'.repeat(3000)])}`);
  const credential = rng.int(6);
  if (credential === 0) lines.push(`Authorization: Bearer ${TOKEN_MARK}`);
  else if (credential === 1) lines.push(`Sec-WebSocket-Protocol: agent-mesh.v1, bearer.${TOKEN_MARK}`);
  else if (credential === 2) lines.push(`Sec-WebSocket-Protocol: ${rng.pick(['agent-mesh.v1', 'bearer.wrong', `bearer.${TOKEN_MARK}`, ',,,', Array.from({ length: 2000 }, (_, i) => `p${i}`).join(', '), 'agent-mesh.v1, bearer.%ZZ', 'bearer.', `agent-mesh.v1, session.${rng.pick(sessionValues)}`])}`);
  else if (credential === 3) lines.push(`Cookie: ${rng.pick(cookieValues)}`);
  else if (credential === 4) lines.push(`Authorization: ${rng.pick(['Bearer wrong', 'Bearer', `Bearer ${TOKEN_MARK}${TOKEN_MARK}`])}`);
  if (rng.chance(0.3)) lines.push(`Origin: ${rng.pick(['http://127.0.0.1', 'http://evil.example', 'null'])}`);
  if (rng.chance(0.1)) lines.push(`Sec-WebSocket-Extensions: ${rng.pick(['permessage-deflate; client_max_window_bits', 'permessage-deflate; server_max_window_bits=1', 'x'.repeat(2000)])}`);
  return { door: 'upgrade', method: 'GET', text: assemble(`GET /ws${deviceId} HTTP/1.1`, lines, undefined), halfClose: false };
}

const statePaths = ['a', 'a.b', 'a.b.c', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '__proto__.polluted', 'constructor.prototype.x', 'x.prototype', 'a..b', '.', '.a', 'a.', '', 'p'.repeat(600), Array.from({ length: 40 }, () => 's').join('.'), '\u{1F4A5}.\u00e9', 'a\u0000b', 'fuzz.k'];
const versions = [0, 1, 2, -1, 1.5, 2 ** 53 - 1, 2 ** 53, 1e308, '1', null, -0];
const frameTypes = ['state:update', 'ack', 'subscribe', 'approval:request', 'approval:decide', 'approval:cancel', 'approval:watch', 'task:start', 'task:report', 'mcp:call', 'mcp:cancel', 'toString', '__proto__', 'constructor', 'hasOwnProperty', '', 'STATE:UPDATE'];

/** A WebSocket text (or binary) frame payload: a frame of every type with hostile fields, or not JSON at all. */
export function wsFrameInput(rng: Rng, ids: KnownIds): { data: string | Buffer; binary: boolean } {
  const roll = rng.int(10);
  if (roll === 0) return { data: brokenJsonText(rng), binary: false };
  if (roll === 1) return { data: rng.bytes(1 + rng.int(200)), binary: rng.chance(0.5) };
  const type = rng.chance(0.1) ? rng.pick<unknown>([1, null, {}, ['state:update']]) : rng.pick(frameTypes);
  const frame: Record<string, unknown> = { type };
  if (rng.chance(0.8)) frame.id = rng.pick<unknown>([`f${rng.int(1e6)}`, '', 'i'.repeat(200), 1, '__proto__']);
  switch (type) {
    case 'state:update':
      frame.path = rng.chance(0.1) ? hostileJson(rng) : rng.pick(statePaths);
      frame.value = rng.chance(0.3) ? { v: rng.int(100) } : hostileJson(rng);
      frame.version = rng.pick(versions);
      frame.timestamp = rng.pick<unknown>([Date.now(), 0, -1, 2 ** 53 - 1, 1e308, '2026-01-01T00:00:00Z']);
      if (rng.chance(0.05)) return { data: JSON.stringify({ type, payload: { path: frame.path, value: frame.value, version: frame.version, timestamp: rng.pick(['2026-01-01T00:00:00Z', 'not a date']) } }), binary: false };
      break;
    case 'subscribe':
      frame.channel = rng.pick(['approvals', 'tasks', 'mesh', 'mcp', 'widgets', '__proto__', 'toString', '']);
      break;
    case 'approval:request':
      Object.assign(frame, approvalBody(rng));
      break;
    case 'approval:decide':
    case 'approval:cancel':
    case 'approval:watch':
      frame.approvalId = rng.pick([ids.pendingApproval, ids.decidedApproval, '__proto__', 'toString', '', 'nope']);
      if (type === 'approval:decide') frame.decision = rng.pick(['approve', 'reject', 'yes']);
      break;
    case 'task:start':
      frame.title = rng.pick(['Fuzz task', '']);
      frame.steps = rng.pick([[{ name: 's' }], [], 'x']);
      break;
    case 'task:report':
      frame.taskId = rng.pick([ids.task, '__proto__', 'nope']);
      frame.progress = rng.pick([0.5, 2, -1]);
      break;
    case 'mcp:call':
      frame.server = rng.pick([ids.mcpServer, '__proto__', '', 'nope', 's'.repeat(300)]);
      frame.tool = rng.pick([ids.mcpTool, 'toString', '', 'nope']);
      frame.arguments = rng.pick<unknown>([{ text: 'hi' }, null, [], ownProtoKey(), hostileJson(rng)]);
      break;
    case 'mcp:cancel':
      frame.callId = rng.pick<unknown>(['00000000-0000-4000-8000-000000000000', '__proto__', '', 'c'.repeat(200), 1]);
      break;
  }
  if (rng.chance(0.1)) frame[rng.pick(['__proto__', 'constructor', 'extra'])] = hostileJson(rng);
  const text = JSON.stringify(frame);
  return { data: rng.chance(0.03) ? text + ' '.repeat(1024 * 1024) : text, binary: false };
}

/**
 * Raw WebSocket frame bytes (after a good upgrade): any opcode, reserved bits, masked or not,
 * lengths that lie, control frames too long, fragments that never finish.
 */
export function rawWsFrames(rng: Rng): Buffer {
  const parts: Buffer[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const opcode = rng.chance(0.5) ? rng.pick([0x0, 0x1, 0x2, 0x8, 0x9, 0xa]) : rng.int(16);
    const fin = rng.chance(0.8) ? 0x80 : 0;
    const rsv = rng.chance(0.2) ? rng.pick([0x40, 0x20, 0x10]) : 0;
    const payload = rng.chance(0.5) ? Buffer.from(JSON.stringify({ type: 'subscribe', channel: 'approvals' })) : rng.bytes(rng.pick([0, 1, 2, 125, 126, 200, 70_000]));
    const masked = rng.chance(0.85);
    const lengthKind = rng.int(6);
    const header: number[] = [fin | rsv | opcode];
    const maskBit = masked ? 0x80 : 0;
    let declared = payload.length;
    if (lengthKind === 0) declared = payload.length + 1 + rng.int(1000); // claims more than it sends
    if (lengthKind === 1 || declared > 0xffff) {
      header.push(maskBit | 127);
      const big = Buffer.alloc(8);
      big.writeBigUInt64BE(lengthKind === 1 ? rng.pick([BigInt(declared), 2n ** 63n, 2n ** 64n - 1n, 2n ** 53n]) : BigInt(declared));
      header.push(...big);
    } else if (declared > 125 || lengthKind === 2) {
      header.push(maskBit | 126, (declared >> 8) & 0xff, declared & 0xff);
    } else header.push(maskBit | declared);
    const mask = masked ? rng.bytes(4) : Buffer.alloc(0);
    const body = Buffer.from(payload);
    if (masked) for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
    parts.push(Buffer.from(header), mask, body);
  }
  return Buffer.concat(parts);
}
