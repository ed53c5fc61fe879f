// MCP server configuration: `.vscode/mcp.json` in VS Code's format, the `agentMesh.mcp.servers`
// setting (same per-server shape), and the import of Claude/Cline-style `mcpServers` files.
// Every problem carries its position (file) or setting name; a bad server never hides the others.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import type { McpConfigProblem, McpConfigSource, McpTransportKind } from '../../../shared/mcp';
import type { JsonObject } from '../../../shared/protocol';
import { child, deepestNode, entries, keyOf, lineColumn, nodeValue, parseJsonc, setProperty, type JsonNode } from './jsonc';
import { unknownVariable } from './variableSyntax';

export const MCP_JSON_RELATIVE_PATH = '.vscode/mcp.json';
export const SETTINGS_SERVERS_KEY = 'agentMesh.mcp.servers';
export const SERVER_OPTIONS_KEY = 'agentMesh.mcp.serverOptions';

export interface McpInputDefinition {
  id: string;
  type: 'promptString' | 'pickString' | 'command';
  description: string;
  /** Secret: prompted with a password box and kept in SecretStorage. */
  password: boolean;
  default?: string;
  options?: string[];
  /** `command` inputs: the VS Code command whose result is the value, and its argument. */
  command?: string;
  args?: unknown;
}

/** VS Code's development mode: restart on file changes (`watch`, a glob) and run under a debugger. */
export interface McpDevMode {
  watch?: string;
  debug?: { type: string };
}

export function describeDevMode(dev: McpDevMode): string {
  return [dev.watch && `watch ${dev.watch}`, dev.debug && `debug with ${dev.debug.type}`].filter(Boolean).join(', ') || 'dev';
}

/** Agent Mesh's own per-server state, kept in the `agentMesh.mcp.serverOptions` setting (never in mcp.json, which VS Code validates). */
export interface McpServerOptions {
  disabled?: boolean;
  /** Connect + initialize timeout in ms. */
  timeout?: number;
  autoApprove?: string[];
}

export interface McpServerConfig {
  name: string;
  source: McpConfigSource;
  type: McpTransportKind;
  command?: string;
  args: string[];
  /** `null` removes the variable from the inherited environment. */
  env: Record<string, string | null>;
  envFile?: string;
  cwd?: string;
  url?: string;
  headers: Record<string, string>;
  /** Connect + initialize timeout; the fleet's default when absent. */
  timeoutMs?: number;
  disabled: boolean;
  autoApprove: string[];
  /** The inputs this server's values refer to (`${input:id}`). */
  inputs: McpInputDefinition[];
  dev?: McpDevMode;
  /** Agent Mesh's own fields an earlier version wrote into mcp.json: honoured, and moved to the setting by the VS Code side. */
  legacyOptions?: McpServerOptions;
  /** Set when the entry is invalid: the server is shown in error with this text and not started. */
  invalid?: string;
  /** The entry as written, for "copy config". */
  raw: JsonObject;
  /** Changes whenever anything that affects the connection changes (reload restarts only those). */
  hash: string;
}

export interface McpConfig {
  servers: McpServerConfig[];
  problems: McpConfigProblem[];
  /** The file exists but could not be parsed: keep whatever servers it described before. */
  fileUnreadable: boolean;
}

const MAX_TIMEOUT_MS = 600_000;
const INPUT_REF = /\$\{input:([^}]+)\}/g;

const envValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const serverSchema = z.looseObject({
  type: z.enum(['stdio', 'http', 'sse'], { message: 'must be "stdio", "http" or "sse"' }).optional(),
  command: z.string().min(1, 'must not be empty').optional(),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), envValue).default({}),
  envFile: z.string().min(1).optional(),
  cwd: z.string().min(1).optional(),
  url: z.string().min(1, 'must not be empty').optional(),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: z.number().int('must be whole milliseconds').positive('must be positive').max(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS} ms`).optional(),
  disabled: z.boolean().default(false),
  autoApprove: z.array(z.string()).default([]),
  dev: z.object({ watch: z.string().min(1).optional(), debug: z.object({ type: z.string().min(1) }).optional() }).optional(),
});

const LEGACY_OPTION_KEYS = ['disabled', 'timeout', 'autoApprove'] as const;

const serverOptionsSchema = z.object({
  disabled: z.boolean().optional(),
  timeout: serverSchema.shape.timeout,
  autoApprove: z.array(z.string()).optional(),
});

const inputSchema = z.object({
  id: z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, "_", "." or "-"'),
  type: z.enum(['promptString', 'pickString', 'command'], { message: 'must be "promptString", "pickString" or "command"' }),
  description: z.string().default(''),
  password: z.boolean().default(false),
  default: z.string().optional(),
  options: z.array(z.union([z.string(), z.object({ value: z.string() }).transform((o) => o.value)])).optional(),
  command: z.string().min(1).optional(),
  args: z.unknown().optional(),
}).refine((input) => input.type !== 'command' || input.command !== undefined, { message: 'a "command" input needs a "command"', path: ['command'] });

interface Locator {
  source: string;
  /** Position of a path below the server (or the whole entry), for problems in a file. */
  at(path: ReadonlyArray<string | number>): Pick<McpConfigProblem, 'line' | 'column' | 'offset' | 'length'>;
}

/** What the tree and messages call each source. */
export const SOURCE_LABELS: Record<McpConfigSource, string> = {
  'mcp.json': MCP_JSON_RELATIVE_PATH,
  workspace: 'the workspace\'s "mcp" setting',
  user: 'the user profile',
  settings: SETTINGS_SERVERS_KEY,
};

/** Parses mcp.json text (comments and trailing commas allowed): the folder's `.vscode/mcp.json`, or the user profile's. */
export function parseMcpJson(text: string, file: string, source: McpConfigSource = 'mcp.json'): McpConfig {
  const { root, error } = parseJsonc(text);
  if (!root) {
    const at = lineColumn(text, error!.offset);
    return { servers: [], fileUnreadable: true, problems: [{ message: `invalid JSON: ${error!.message}`, source: file, ...at, offset: error!.offset, length: error!.length }] };
  }
  const locate = (path: ReadonlyArray<string | number>) => {
    const node = deepestNode(root, path);
    const last = path[path.length - 1];
    // A problem about a property points at its key, the way editors underline it.
    const key = typeof last === 'string' ? keyOf(deepestNode(root, path.slice(0, -1)), last) : undefined;
    const target = key ?? node;
    return { ...lineColumn(text, target.offset), offset: target.offset, length: target.length };
  };
  const problems: McpConfigProblem[] = [];
  if (root.type !== 'object') {
    return { servers: [], fileUnreadable: false, problems: [{ message: 'must contain a JSON object with "servers"', source: file, ...locate([]) }] };
  }
  const inputs = parseInputs(child(root, 'inputs'), file, locate, problems);
  const serversNode = child(root, 'servers');
  if (!serversNode) {
    if (child(root, 'mcpServers')) {
      const message = 'this is a Claude/Cline "mcpServers" file; VS Code\'s format uses "servers" (run "Agent Mesh: Import MCP Servers" to convert it)';
      problems.push({ message, source: file, ...locate(['mcpServers']) });
    }
    return { servers: [], problems, fileUnreadable: false };
  }
  if (serversNode.type !== 'object') {
    problems.push({ message: '"servers" must be an object of server name → configuration', source: file, ...locate(['servers']) });
    return { servers: [], problems, fileUnreadable: false };
  }
  const servers: McpServerConfig[] = [];
  for (const entry of entries(serversNode)) {
    const locator: Locator = { source: file, at: (path) => locate(['servers', entry.key, ...path]) };
    servers.push(normalizeServer(entry.key, nodeValue(entry.value), source, inputs, locator, problems));
  }
  return { servers: dedupe(servers, problems, file), problems, fileUnreadable: false };
}

/** Parses the `agentMesh.mcp.servers` setting (an object of server name → configuration). */
export function parseSettingsServers(value: unknown): McpConfig {
  const problems: McpConfigProblem[] = [];
  const source = SETTINGS_SERVERS_KEY;
  if (value === undefined || value === null) return { servers: [], problems, fileUnreadable: false };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { servers: [], problems: [{ message: 'must be an object of server name → configuration', source }], fileUnreadable: false };
  }
  const locator: Locator = { source, at: () => ({}) };
  const servers = Object.entries(value as Record<string, unknown>).map(([name, raw]) => normalizeServer(name, raw, 'settings', new Map(), locator, problems));
  return { servers, problems, fileUnreadable: false };
}

/** The `mcp` block of VS Code's settings (`{ servers, inputs }`, the mcp.json shape) at one scope; problems name the setting. */
export function parseMcpSetting(value: unknown, source: McpConfigSource, label: string): McpConfig {
  if (value === undefined || value === null) return { servers: [], problems: [], fileUnreadable: false };
  const parsed = parseMcpJson(JSON.stringify(value), label, source);
  // Positions in the serialized value mean nothing to the person: keep only the message.
  return { ...parsed, problems: parsed.problems.map(({ message, source: where, server }) => ({ message, source: where, server })) };
}

/**
 * Merges sources in precedence order (first wins, as VS Code lists the workspace folder before the
 * workspace before the user profile); a later server of the same name is reported and ignored.
 * Only the first source's unreadable file keeps the running servers.
 */
export function mergeConfigs(...layers: McpConfig[]): McpConfig {
  const winners = new Map<string, McpServerConfig>();
  const problems = layers.flatMap((layer) => layer.problems);
  for (const layer of layers) {
    for (const server of layer.servers) {
      const winner = winners.get(server.name);
      if (!winner) winners.set(server.name, server);
      // VS Code also shows the folder's mcp.json as the workspace value of its `mcp` setting (and the
      // profile's as the user value): the same entry seen twice is no clash.
      else if (!isDeepStrictEqual(server.raw, winner.raw)) problems.push({ message: `server "${server.name}" is also defined in ${SOURCE_LABELS[winner.source]}; that definition is used`, source: SOURCE_LABELS[server.source], server: server.name });
    }
  }
  return { servers: [...winners.values()], problems, fileUnreadable: layers[0]?.fileUnreadable ?? false };
}

function parseInputs(
  node: JsonNode | undefined,
  file: string,
  locate: (path: ReadonlyArray<string | number>) => Pick<McpConfigProblem, 'line' | 'column' | 'offset' | 'length'>,
  problems: McpConfigProblem[],
): Map<string, McpInputDefinition> {
  const inputs = new Map<string, McpInputDefinition>();
  if (!node) return inputs;
  if (node.type !== 'array') {
    problems.push({ message: '"inputs" must be an array', source: file, ...locate(['inputs']) });
    return inputs;
  }
  (node.children ?? []).forEach((item, index) => {
    const parsed = inputSchema.safeParse(nodeValue(item));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ message: `input ${describePath(issue.path)}${issue.message.replace(/^Invalid input: /, '')}`, source: file, ...locate(['inputs', index, ...keyPath(issue.path)]) });
      }
      return;
    }
    inputs.set(parsed.data.id, parsed.data);
  });
  return inputs;
}

function normalizeServer(
  name: string,
  raw: unknown,
  source: McpConfigSource,
  inputs: ReadonlyMap<string, McpInputDefinition>,
  locator: Locator,
  problems: McpConfigProblem[],
): McpServerConfig {
  const rawObject = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as JsonObject;
  const base = { name, source, args: [], env: {}, headers: {}, disabled: false, autoApprove: [], inputs: [], raw: rawObject };
  const fail = (message: string, path: ReadonlyArray<string | number>): McpServerConfig => {
    problems.push({ message: `server "${name}": ${message}`, source: locator.source, server: name, ...locator.at(path) });
    const type: McpTransportKind = rawObject.type === 'sse' || rawObject.type === 'http' ? rawObject.type : rawObject.url !== undefined ? 'http' : 'stdio';
    return { ...base, type, invalid: message, hash: hashOf({ name, source, raw: rawObject }) };
  };
  if (name.trim() === '' || name.length > 100 || /[/\\\p{Cc}]/u.test(name)) {
    return fail('the name must be 1–100 characters without "/", "\\" or control characters', []);
  }
  if (rawObject !== raw) return fail('must be an object', []);
  const parsed = serverSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`${describePath(issue.path)}${issue.message.replace(/^Invalid input: /, '')}`, keyPath(issue.path));
  }
  const config = parsed.data;
  const type: McpTransportKind = config.type ?? (config.command !== undefined ? 'stdio' : config.url !== undefined ? 'http' : 'stdio');
  if (type === 'stdio' && config.command === undefined) return fail('a stdio server needs a "command"', ['command']);
  if (type !== 'stdio') {
    if (config.url === undefined) return fail(`an ${type} server needs a "url"`, ['url']);
    if (!config.url.includes('${') && !isHttpUrl(config.url)) return fail('"url" must be an http:// or https:// URL', ['url']);
  }
  for (const [value, path] of stringLeaves(rawObject, [])) {
    const unknown = unknownVariable(value);
    if (unknown) return fail(`\${${unknown}} is not a variable VS Code knows (see the README's MCP variables)`, path);
  }
  const referenced: McpInputDefinition[] = [];
  for (const id of new Set([...JSON.stringify(rawObject).matchAll(INPUT_REF)].map((m) => m[1]))) {
    const input = inputs.get(id);
    if (!input) return fail(`refers to \${input:${id}}, which is not declared in "inputs"`, []);
    referenced.push(input);
  }
  const env: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(config.env)) env[key] = value === null ? null : String(value);
  return {
    ...base,
    type,
    command: config.command,
    args: config.args,
    env,
    envFile: config.envFile,
    cwd: config.cwd,
    url: config.url,
    headers: config.headers,
    timeoutMs: config.timeout,
    disabled: config.disabled,
    autoApprove: config.autoApprove,
    inputs: referenced,
    dev: config.dev,
    legacyOptions: legacyOptionsOf(rawObject),
    hash: hashOf({ name, source, raw: rawObject, inputs: referenced }),
  };
}

function* stringLeaves(value: unknown, path: Array<string | number>): Generator<[string, Array<string | number>]> {
  if (typeof value === 'string') yield [value, path];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* stringLeaves(item, [...path, i]);
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* stringLeaves(item, [...path, key]);
}

function legacyOptionsOf(raw: JsonObject): McpServerOptions | undefined {
  const present = LEGACY_OPTION_KEYS.filter((key) => raw[key] !== undefined);
  return present.length ? (Object.fromEntries(present.map((key) => [key, raw[key]])) as McpServerOptions) : undefined;
}

function dedupe(servers: McpServerConfig[], problems: McpConfigProblem[], file: string): McpServerConfig[] {
  const byName = new Map<string, McpServerConfig>();
  for (const server of servers) {
    if (byName.has(server.name)) problems.push({ message: `server "${server.name}" is defined twice; the last definition is used`, source: file, server: server.name });
    byName.set(server.name, server);
  }
  return [...byName.values()];
}

function keyPath(path: ReadonlyArray<PropertyKey>): Array<string | number> {
  return path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
}

function describePath(path: ReadonlyArray<PropertyKey>): string {
  const parts = keyPath(path);
  return parts.length ? `"${parts.join('.')}" ` : '';
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Per-server options of the `agentMesh.mcp.serverOptions` setting; an invalid entry is reported and ignored. */
function parseServerOptions(value: unknown): { options: Map<string, McpServerOptions>; problems: McpConfigProblem[] } {
  const options = new Map<string, McpServerOptions>();
  const problems: McpConfigProblem[] = [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { options, problems };
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    const parsed = serverOptionsSchema.safeParse(entry);
    if (parsed.success) options.set(name, parsed.data);
    else problems.push({ message: `server "${name}": ${describePath(parsed.error.issues[0].path)}${parsed.error.issues[0].message.replace(/^Invalid input: /, '')}`, source: SERVER_OPTIONS_KEY, server: name });
  }
  return { options, problems };
}

/** Applies `agentMesh.mcp.serverOptions` over every server (it wins over fields written in an entry). */
export function applyServerOptions(config: McpConfig, value: unknown): McpConfig {
  const { options, problems } = parseServerOptions(value);
  const servers = config.servers.map((server) => {
    const own = options.get(server.name);
    if (!own) return server;
    return {
      ...server,
      disabled: own.disabled ?? server.disabled,
      timeoutMs: own.timeout ?? server.timeoutMs,
      autoApprove: own.autoApprove ?? server.autoApprove,
      hash: hashOf({ entry: server.hash, options: own }),
    };
  });
  return { ...config, servers, problems: [...config.problems, ...problems] };
}

/**
 * Moves Agent Mesh's own fields (`disabled`, `timeout`, `autoApprove`), which an earlier version
 * wrote into mcp.json and VS Code rejects, out of the text into server options; options already in
 * the setting win. Returns the text unchanged when there is nothing to move.
 */
export function migrateLegacyOptions(text: string, current: Readonly<Record<string, McpServerOptions>>): { text: string; options: Record<string, McpServerOptions>; moved: string[] } {
  const options = { ...current };
  const moved: string[] = [];
  let result = text;
  for (const server of parseMcpJson(text, 'mcp.json').servers) {
    if (!server.legacyOptions || server.source !== 'mcp.json') continue;
    options[server.name] = { ...serverOptionsSchema.catch({}).parse(server.legacyOptions), ...current[server.name] };
    for (const key of LEGACY_OPTION_KEYS) if (server.legacyOptions[key] !== undefined) result = setProperty(result, ['servers', server.name, key], undefined);
    moved.push(server.name);
  }
  return { text: result, options, moved };
}

/** Environment variables and headers whose value is a credential (their value becomes a password input). */
const SECRET_NAME = /key|token|secret|passw|auth|credential|cookie|session/i;

interface ImportedSecret {
  server: string;
  inputId: string;
  value: string;
}

export interface ConvertedServers {
  /** Entries in VS Code's format, with nothing VS Code rejects. */
  servers: Record<string, JsonObject>;
  /** `password` inputs that replace the credentials found in env and headers. */
  inputs: JsonObject[];
  /** The credentials themselves, to keep in secret storage, never in the file. */
  secrets: ImportedSecret[];
  /** Agent Mesh's own options of each server (`timeout` converted to ms, `alwaysAllow` as `autoApprove`). */
  options: Record<string, McpServerOptions>;
  problems: string[];
}

/**
 * Converts a Claude Desktop / Claude Code / Cline / Roo `mcpServers` file into VS Code-format
 * server entries: `timeout` there is in seconds, `alwaysAllow` is `autoApprove`, `transportType`
 * names the transport; credentials become `${input:…}` password inputs.
 */
export function convertMcpServersFile(text: string): ConvertedServers {
  const converted: ConvertedServers = { servers: {}, inputs: [], secrets: [], options: {}, problems: [] };
  const { root, error } = parseJsonc(text);
  if (!root) {
    const at = lineColumn(text, error!.offset);
    converted.problems.push(`invalid JSON: ${error!.message} at line ${at.line}, column ${at.column}`);
    return converted;
  }
  const data = nodeValue(root) as Record<string, unknown>;
  const declared = data && typeof data === 'object' ? (data.mcpServers ?? data.servers) : undefined;
  if (!declared || typeof declared !== 'object' || Array.isArray(declared)) return { ...converted, problems: ['no "mcpServers" object found'] };
  for (const [name, value] of Object.entries(declared as Record<string, unknown>)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      converted.problems.push(`${name}: not an object, skipped`);
      continue;
    }
    const entry = value as Record<string, unknown>;
    const out: JsonObject = {};
    const kind = String(entry.type ?? entry.transportType ?? '').toLowerCase();
    const secretsOf = (map: unknown) => (map && typeof map === 'object' && !Array.isArray(map) ? withSecretInputs(name, map as Record<string, unknown>, converted) : map);
    if (typeof entry.command === 'string') {
      out.type = 'stdio';
      out.command = entry.command;
      for (const key of ['args', 'cwd', 'envFile'] as const) if (entry[key] !== undefined) out[key] = entry[key] as JsonObject;
      if (entry.env !== undefined) out.env = secretsOf(entry.env) as JsonObject;
    } else if (typeof entry.url === 'string') {
      out.type = kind === 'sse' ? 'sse' : 'http';
      out.url = entry.url;
      if (entry.headers !== undefined) out.headers = secretsOf(entry.headers) as JsonObject;
    } else {
      converted.problems.push(`${name}: neither "command" nor "url", skipped`);
      continue;
    }
    const options: McpServerOptions = {};
    if (typeof entry.timeout === 'number' && entry.timeout > 0) options.timeout = Math.min(Math.round(entry.timeout * 1000), MAX_TIMEOUT_MS);
    if (typeof entry.disabled === 'boolean') options.disabled = entry.disabled;
    const approve = entry.autoApprove ?? entry.alwaysAllow;
    if (Array.isArray(approve)) options.autoApprove = approve.filter((t): t is string => typeof t === 'string');
    if (Object.keys(options).length) converted.options[name] = options;
    converted.servers[name] = out;
  }
  return converted;
}

function withSecretInputs(server: string, map: Record<string, unknown>, converted: ConvertedServers): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string' || value === '' || value.includes('${') || !SECRET_NAME.test(key)) {
      out[key] = value;
      continue;
    }
    const inputId = `${server}-${key}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    converted.inputs.push({ type: 'promptString', id: inputId, description: `${key} of MCP server "${server}"`, password: true });
    converted.secrets.push({ server, inputId, value });
    out[key] = `\${input:${inputId}}`;
  }
  return out;
}
