// Mesh health: the agent entries of `agentMesh.mesh.agents` and what GET /api/mesh/agents,
// POST /api/mesh/check and the 'mesh' channel carry. Shared by the engine, the VS Code views and
// the dashboard.
import * as z from 'zod';

export const MESH_AGENT_KINDS = ['a2a', 'http', 'mcp'] as const;
export type MeshAgentKind = (typeof MESH_AGENT_KINDS)[number];

/** An MCP agent names a server of the fleet: `mcp:<server name>`. */
export const MCP_URL_PREFIX = 'mcp:';

export const meshAgentConfigSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    url: z.string().trim().min(1).max(2048),
    kind: z.enum(MESH_AGENT_KINDS),
    expectStatus: z.number().int().min(100).max(599).optional(),
    timeoutMs: z.number().int().min(50).max(120_000).optional(),
  })
  .strict()
  .superRefine((agent, ctx) => {
    if (agent.kind === 'mcp') {
      if (!agent.url.startsWith(MCP_URL_PREFIX) || agent.url.length === MCP_URL_PREFIX.length) {
        ctx.addIssue({ code: 'custom', path: ['url'], message: `an mcp agent's url names a server of the fleet, e.g. "${MCP_URL_PREFIX}notes"` });
      }
      return;
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(agent.url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `must be an http:// or https:// URL, got "${agent.url}"` });
    }
    if (agent.expectStatus !== undefined && agent.kind !== 'http') {
      ctx.addIssue({ code: 'custom', path: ['expectStatus'], message: 'applies to kind "http" only' });
    }
  });
export type MeshAgentConfig = z.output<typeof meshAgentConfigSchema>;

export type MeshAgentStatus = 'healthy' | 'unhealthy' | 'unknown';
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface MeshHistoryPoint {
  /** Epoch milliseconds of the check. */
  at: number;
  ok: boolean;
  latencyMs?: number;
}

export interface MeshHistoryStats {
  /** Checks kept in the history window. */
  checks: number;
  /** Share of successful checks in the window, 0–100; absent before the first check. */
  uptimePct?: number;
  avgLatencyMs?: number;
  p95LatencyMs?: number;
  /** Epoch milliseconds of the oldest check kept. */
  since?: number;
}

export interface MeshSkill {
  id: string;
  name: string;
  description?: string;
}

/** One agent as GET /api/mesh/agents returns it (API.md), plus the details the views show. */
export interface MeshAgentSummary {
  id: string;
  /** The readable display name (mapping setting → configured name → card name → host). */
  name: string;
  url: string;
  kind: MeshAgentKind;
  status: MeshAgentStatus;
  latencyMs?: number;
  /** ISO time of the last completed check. */
  checkedAt?: string;
  error?: string;
  circuit: CircuitState;
  consecutiveFailures: number;
  /** ISO time of the next half-open trial while the circuit is open. */
  retryAt?: string;
  /** The name the agent's card gives itself (A2A). */
  cardName?: string;
  description?: string;
  skills?: MeshSkill[];
  stats: MeshHistoryStats;
  /** The latest checks, oldest first, for sparklines. */
  recent: MeshHistoryPoint[];
}

export interface MeshCheckResponse {
  cycleMs: number;
  agents: MeshAgentSummary[];
}

/** Payload of the 'mesh' channel's `snapshot` and `update` events. */
export interface MeshSnapshot {
  agents: MeshAgentSummary[];
  /** Duration of the last cycle. */
  cycleMs?: number;
  /** ISO time the last cycle ended. */
  cycleAt?: string;
}

/** Payload of the 'mesh' channel's `transition` events: an agent went down or recovered. */
export interface MeshTransition {
  id: string;
  name: string;
  from: MeshAgentStatus;
  to: MeshAgentStatus;
  error?: string;
  at: string;
}
