// `agent-mesh hook <claude-code|copilot|cursor>`: the command form of the hook door. Reads the agent's
// event on stdin, asks the workspace's relay, prints the agent's answer (exit 0). When the relay cannot
// be reached it leaves the decision to the agent's own prompt ("ask") and says why on stderr; input
// that is not a hook event exits 1 (a non-blocking error: the agent keeps its own permission rules).
import { HOOK_AGENTS, type HookAgent } from '../shared/hooks';
import type { JsonObject } from '../shared/json';
import { decisionAnswer, readHookEvent, recordedAnswer, type HookEvent } from './engine/hooks/adapters';
import { findRelay } from './engine/hooks/discovery';
import { MAX_BODY_BYTES } from './engine/relay/http';

export const HOOK_USAGE = `Usage: agent-mesh hook <${HOOK_AGENTS.join('|')}>

Reads the agent's hook event on stdin and prints the answer of the workspace's Agent Mesh relay.
The relay is found through the file \`agent-mesh serve\` (or the extension) keeps under
~/.agent-mesh/relays/ for the workspace at or above the event's cwd; AGENT_MESH_URL and
AGENT_MESH_TOKEN override it.`;

/** A relay that does not answer within this long is treated as unreachable (the agent's own timeout is shorter anyway). */
const RELAY_WAIT_MS = 10 * 60 * 1000;

export interface HookCommandIo {
  stdin: AsyncIterable<Buffer | string>;
  writeStdout(text: string): Promise<void>;
  writeStderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Runs the command; resolves with the exit code. */
export async function runHookCommand(args: string[], io: HookCommandIo): Promise<number> {
  const agent = args[0];
  if (args.length !== 1 || !(HOOK_AGENTS as readonly string[]).includes(agent)) {
    io.writeStderr(`agent-mesh hook: expected one agent (${HOOK_AGENTS.join(', ')})\n\n${HOOK_USAGE}\n`);
    return 1;
  }
  const input = await readBounded(io.stdin, MAX_BODY_BYTES);
  if (input === undefined) return fail(io, `the event on stdin exceeds ${MAX_BODY_BYTES} bytes`);
  let body: unknown;
  let event: HookEvent;
  try {
    body = JSON.parse(input);
    event = readHookEvent(agent as HookAgent, body);
  } catch (error) {
    return fail(io, error instanceof SyntaxError ? 'the event on stdin is not JSON' : `not a ${agent} hook event: ${(error as Error).message}`);
  }

  const relay = await locateRelay(io, event.cwd);
  if (!relay) return fallBack(io, event, 'no Agent Mesh relay found for this workspace (start `agent-mesh serve` or open it in VS Code)');
  let response: Response;
  try {
    response = await fetch(`${relay.url}/api/hooks/${agent}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${relay.token}`, 'content-type': 'application/json' },
      body: input,
      signal: AbortSignal.timeout(RELAY_WAIT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return fallBack(io, event, `the relay at ${relay.url} cannot be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`);
  }
  const text = await response.text();
  if (!response.ok) {
    const message = errorMessage(text) ?? `HTTP ${response.status}`;
    if (response.status === 400) return fail(io, `the relay refused the event: ${message}`);
    return fallBack(io, event, `the relay answered ${response.status}: ${message}`);
  }
  await io.writeStdout(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

async function locateRelay(io: HookCommandIo, cwd: string): Promise<{ url: string; token: string } | undefined> {
  const url = io.env.AGENT_MESH_URL;
  const token = io.env.AGENT_MESH_TOKEN;
  if (url && token) return { url: url.replace(/\/+$/, ''), token };
  const found = await findRelay(cwd);
  if (!found) return undefined;
  return { url: url ? url.replace(/\/+$/, '') : found.url, token: token || found.token };
}

/** The agent's own prompt decides: "ask" for a tool call, the plain answer for the rest. */
async function fallBack(io: HookCommandIo, event: HookEvent, why: string): Promise<number> {
  io.writeStderr(`agent-mesh hook: ${why}; leaving the decision to the agent's own prompt\n`);
  const answer: JsonObject =
    event.kind === 'other' ? recordedAnswer(event.agent, event.name) : decisionAnswer(event, { permission: 'ask', reason: `Agent Mesh is not reachable: ${why}` });
  await io.writeStdout(`${JSON.stringify(answer)}\n`);
  return 0;
}

function fail(io: HookCommandIo, why: string): number {
  io.writeStderr(`agent-mesh hook: ${why}\n`);
  return 1;
}

function errorMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

async function readBounded(stream: AsyncIterable<Buffer | string>, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
