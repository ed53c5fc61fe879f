// One health check per agent kind. Every probe is bounded by its timeout: fetches are aborted by
// the signal (body included), and the MCP ping is raced against the same deadline.
import { AGENT_CARD_PATH } from '@a2a-js/sdk';
import { DefaultAgentCardResolver } from '@a2a-js/sdk/client';
import * as z from 'zod';
import { MCP_URL_PREFIX, type MeshAgentConfig, type MeshSkill } from '../../../shared/mesh';

/** The narrow view of the MCP fleet the mesh needs: an MCP `ping` of one server by name. */
export interface McpPinger {
  /** Resolves with the round trip; rejects when the server is unknown, not connected or fails. */
  ping(name: string, timeoutMs: number): Promise<{ latencyMs: number }>;
}

export interface ProbeResult {
  latencyMs: number;
  /** A2A: what the card says about the agent. */
  card?: { name: string; description?: string; skills: MeshSkill[]; raw: unknown };
}

export class ProbeError extends Error {}

export const LEGACY_AGENT_CARD_PATH = '.well-known/agent.json';

/** The fields of an Agent Card the mesh relies on; anything else may vary between versions. */
const agentCardSchema = z.object({
  name: z.string().trim().min(1),
  description: z.string().optional(),
  version: z.string().optional(),
  skills: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().min(1),
      description: z.string().optional(),
    }),
  ),
});

export async function probe(agent: MeshAgentConfig, timeoutMs: number, mcp: McpPinger | undefined): Promise<ProbeResult> {
  switch (agent.kind) {
    case 'a2a':
      return probeA2a(agent.url, timeoutMs);
    case 'http':
      return probeHttp(agent.url, agent.expectStatus, timeoutMs);
    case 'mcp':
      return probeMcp(agent.url.slice(MCP_URL_PREFIX.length), timeoutMs, mcp);
  }
}

/**
 * Resolves the Agent Card with the SDK's resolver (v0.3 cards are translated by its compat layer)
 * from `/.well-known/agent-card.json`, falling back to the legacy `agent.json` on a 404.
 */
export async function probeA2a(url: string, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let lastStatus: number | undefined;
  const resolver = new DefaultAgentCardResolver({
    legacyCompat: { enabled: true },
    fetchImpl: async (input, init) => {
      const res = await fetch(input, { ...init, signal, redirect: 'follow' });
      lastStatus = res.status;
      return res;
    },
  });
  const base = url.endsWith('/') ? url : `${url}/`;
  let raw: unknown;
  try {
    try {
      raw = await resolver.resolve(base, AGENT_CARD_PATH);
    } catch (error) {
      if (lastStatus !== 404) throw error;
      raw = await resolver.resolve(base, LEGACY_AGENT_CARD_PATH);
    }
  } catch (error) {
    throw describeFetchError(error, timeoutMs, signal, lastStatus);
  }
  const parsed = agentCardSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ProbeError(`invalid agent card: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(card)'} ${i.message}`).join('; ')}`);
  }
  const card = parsed.data;
  return {
    latencyMs: elapsed(started),
    card: {
      name: card.name,
      description: card.description || undefined,
      skills: card.skills.map((s) => ({ id: s.id, name: s.name, description: s.description || undefined })),
      raw,
    },
  };
}

export async function probeHttp(url: string, expectStatus: number | undefined, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number | undefined;
  try {
    const res = await fetch(url, { signal, redirect: 'manual' });
    status = res.status;
    await res.arrayBuffer();
  } catch (error) {
    throw describeFetchError(error, timeoutMs, signal, status);
  }
  const ok = expectStatus === undefined ? status >= 200 && status < 300 : status === expectStatus;
  if (!ok) throw new ProbeError(`HTTP ${status} (expected ${expectStatus ?? '2xx'})`);
  return { latencyMs: elapsed(started) };
}

export async function probeMcp(server: string, timeoutMs: number, mcp: McpPinger | undefined): Promise<ProbeResult> {
  if (!mcp) throw new ProbeError('the MCP fleet is not running in this engine');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const { latencyMs } = await Promise.race([mcp.ping(server, timeoutMs), deadline]);
    return { latencyMs: Math.round(latencyMs) };
  } catch (error) {
    if (error instanceof ProbeError) throw error;
    throw new ProbeError(`MCP ping of "${server}" failed: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** Turns fetch's generic failures into the reason a person can act on. */
function describeFetchError(error: unknown, timeoutMs: number, signal: AbortSignal, status: number | undefined): ProbeError {
  if (signal.aborted) return new ProbeError(`no answer within ${timeoutMs} ms`);
  if (error instanceof SyntaxError) return new ProbeError(`agent card is not valid JSON (HTTP ${status ?? '?'})`);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return new ProbeError('connection refused');
  if (cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET') return new ProbeError('connection reset');
  if (cause?.code === 'ENOTFOUND') return new ProbeError('host not found');
  if (status !== undefined && status >= 400) return new ProbeError(`HTTP ${status} for the agent card`);
  return new ProbeError(cause?.message ?? (error as Error).message);
}
