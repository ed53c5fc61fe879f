// The MCP fleet's HTTP/WS shapes, shared by the engine, the dashboard panel, the VS Code face and tests.
import * as z from 'zod';
import type { JsonObject } from './json';

export type McpServerStatus = 'connected' | 'connecting' | 'error' | 'stopped' | 'disabled';
/** `http` is Streamable HTTP; `sse` the older HTTP+SSE transport (configured, or the fallback). */
export type McpTransportKind = 'stdio' | 'http' | 'sse';
/** Where a server is defined: the folder's .vscode/mcp.json, the workspace's `mcp` setting, the user profile (mcp.json or `mcp` setting), or `agentMesh.mcp.servers`. */
export type McpConfigSource = 'mcp.json' | 'workspace' | 'user' | 'settings';
/**
 * `inspect`: connect, list, count, disconnect; reconnect on demand for a call or a health check and
 * disconnect again when idle. `keep-connected`: stay connected for the fleet's whole life.
 */
export const MCP_CONNECTION_MODES = ['inspect', 'keep-connected'] as const;
export type McpConnectionMode = (typeof MCP_CONNECTION_MODES)[number];
/** The global setting adds `auto`: inspect for stdio servers, keep-connected for remote ones. */
export const MCP_CONNECTION_MODE_SETTINGS = ['auto', ...MCP_CONNECTION_MODES] as const;
export type McpConnectionModeSetting = (typeof MCP_CONNECTION_MODE_SETTINGS)[number];

export interface McpToolInfo {
  name: string;
  /** Context cost of the definition (name + description + input schema) in the configured encoding. */
  tokens: number;
  description?: string;
  inputSchema: JsonObject;
  /** Excluded by `agentMesh.mcp.disabledTools`: not counted, not callable. */
  disabled: boolean;
}

export interface McpResourceInfo {
  uri: string;
  name: string;
  mimeType?: string;
}

export interface McpPromptInfo {
  name: string;
  description?: string;
}

/** One entry of `GET /api/mcp/servers` (API.md), plus a few fields the tree and panel show. */
export interface McpServerInfo {
  name: string;
  transport: McpTransportKind;
  status: McpServerStatus;
  error?: string;
  /** Milliseconds from spawn/first request to initialized and listed. */
  connectMs?: number;
  /** Sum of the enabled tools' tokens. */
  toolTokens: number;
  /** False while the tools' tokens are still being counted (the encoder loads on first use). */
  tokensCounted: boolean;
  tools: McpToolInfo[];
  resources: McpResourceInfo[];
  prompts: McpPromptInfo[];
  source: McpConfigSource;
  /** Failed attempts since the last successful, stable connection. */
  attempts: number;
  /** Epoch ms of the next automatic reconnect, while one is scheduled. */
  retryAt?: number;
  connectedAt?: number;
  serverVersion?: string;
  connectionMode: McpConnectionMode;
  /**
   * Whether a connection (for stdio: a server process) is open now. An inspected server shows
   * `connected` with this false between calls: its lists are kept and a call reconnects it.
   */
  connectionOpen: boolean;
}

/** The connection mode as the tree and the dashboard show it: `inspect` (`· open` while a request holds it open) or `kept connected`. */
export function connectionModeLabel(server: Pick<McpServerInfo, 'connectionMode' | 'connectionOpen'>): string {
  if (server.connectionMode === 'keep-connected') return 'kept connected';
  return server.connectionOpen ? 'inspect · open' : 'inspect';
}

export interface McpTokenSummary {
  total: number;
  /** 0 when no budget is set. */
  budget: number;
  overBudget: boolean;
  encoding: TokenEncodingName;
  modelFamily: ModelFamily;
  /** True when the counts are exact for the configured model family (OpenAI encodings). */
  exact: boolean;
  /** "12,345 tokens" or "≈12,345 tokens (estimate: …)". */
  label: string;
}

export interface McpConfigProblem {
  message: string;
  /** Where the problem is: the file path, or the setting name. */
  source: string;
  server?: string;
  /** 1-based, present for problems in a file. */
  line?: number;
  column?: number;
  offset?: number;
  length?: number;
}

/** The 'mcp' channel's snapshot payload. */
export interface McpSnapshot {
  servers: McpServerInfo[];
  tokens: McpTokenSummary;
  problems: McpConfigProblem[];
  trusted: boolean;
}

export interface McpLogLine {
  /** Epoch ms. */
  t: number;
  stream: 'stderr' | 'event' | 'error';
  text: string;
}

export const TOKEN_ENCODINGS = ['o200k_base', 'cl100k_base'] as const;
export type TokenEncodingName = (typeof TOKEN_ENCODINGS)[number];
export const MODEL_FAMILIES = ['openai', 'anthropic', 'google', 'other'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/** Body of `POST /api/mcp/servers/:name/tools/:tool/call`. */
export const toolCallBodySchema = z.object({
  arguments: z.record(z.string(), z.unknown()).default({}),
});

/** A progress notification of a running tool call. */
export interface McpToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

/**
 * One line of a streamed tool call (`Accept: application/x-ndjson`): `started` first (its id cancels
 * the call with `DELETE /api/mcp/calls/:callId`), `progress` lines, then one `result` or `error`.
 */
export type McpToolCallLine =
  | { type: 'started'; callId: string }
  | ({ type: 'progress' } & McpToolProgress)
  | { type: 'result'; result: JsonObject }
  | { type: 'error'; error: { status: number; code: string; message: string } };

/** Events on the 'mcp' channel besides `snapshot`. */
export type McpEvent =
  | { name: 'server'; payload: McpServerInfo }
  | { name: 'removed'; payload: { name: string } }
  | { name: 'tokens'; payload: McpTokenSummary }
  /** The fleet crossed its token budget (either way). */
  | { name: 'budget'; payload: McpTokenSummary }
  | { name: 'problems'; payload: { problems: McpConfigProblem[] } };
