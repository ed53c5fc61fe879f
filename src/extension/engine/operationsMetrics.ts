// The control room's series on GET /metrics: approvals, coding-agent sessions, the MCP fleet and
// the mesh. Current figures (pending approvals, sessions, servers, agents) are read from their
// owners at scrape time; what happens (decisions, checks) is counted as it happens. Every label
// value comes from a closed set, or is capped (model names) so untrusted input cannot grow the series.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Approval, ApprovalLevel } from '../../shared/approvals';
import { HOOK_AGENTS } from '../../shared/hooks';
import type { MeshSnapshot } from '../../shared/mesh';
import { SESSION_STATUSES, type AgentSession, type SessionTokens } from '../../shared/sessions';

const APPROVAL_LEVELS: readonly ApprovalLevel[] = ['auto', 'quick', 'full'];
const TOKEN_KINDS: ReadonlyArray<[kind: string, key: keyof SessionTokens]> = [
  ['input', 'input'],
  ['output', 'output'],
  ['cache_read', 'cacheRead'],
  ['cache_write', 'cacheWrite'],
];
/** Models named in the series, by most tokens; the rest count as `other`. */
const MAX_MODEL_LABELS = 10;
const MODEL_LABEL = /^[\w.:@/-]{1,64}$/;
const DECISION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14_400];
const CHECK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the series read, through each owner's public API. */
export interface OperationsSources {
  approvals: { list(status?: 'pending'): Approval[]; onChange(listener: (approval: Approval) => void): () => void };
  sessions: { list(): AgentSession[] };
  mcp: { counters(): { connected: number; total: number }; tokens(): { total: number } };
  mesh: { counts(): { healthy: number; total: number }; onUpdate(listener: (snapshot: MeshSnapshot) => void): () => void };
}

/** Registers the series on `registry`; returns what stops them following their sources. */
export function registerOperationsMetrics(registry: Registry, sources: OperationsSources, now: () => number = Date.now): () => void {
  const registers = [registry];

  new Gauge({
    name: 'agent_mesh_approvals_pending',
    help: 'Approvals waiting for a person, by level',
    labelNames: ['level'] as const,
    registers,
    collect() {
      this.reset();
      for (const level of APPROVAL_LEVELS) this.set({ level }, 0);
      for (const approval of sources.approvals.list('pending')) this.inc({ level: approval.level });
    },
  });
  const decisions = new Counter({
    name: 'agent_mesh_approval_decisions_total',
    help: 'Approvals that reached an outcome (approved, rejected, cancelled, expired) while this relay ran, by level and outcome',
    labelNames: ['level', 'outcome'] as const,
    registers,
  });
  const timeToDecision = new Histogram({
    name: 'agent_mesh_approval_decision_seconds',
    help: 'From an approval being requested to its outcome (0 for auto-approved ones)',
    buckets: DECISION_BUCKETS,
    registers,
  });
  const started = now();
  // The queue tells listeners once per approval that becomes terminal (terminal records never move);
  // old terminal ones it reads back from its store were decided before this relay ran.
  const stopApprovals = sources.approvals.onChange((approval) => {
    if (approval.status === 'pending' || approval.decidedAt === undefined || approval.decidedAt < started) return;
    decisions.inc({ level: approval.level, outcome: approval.status });
    timeToDecision.observe(Math.max(0, approval.decidedAt - approval.createdAt) / 1000);
  });

  new Gauge({
    name: 'agent_mesh_agent_sessions',
    help: 'Coding-agent sessions kept (agentMesh.hooks.sessionRetentionDays), by agent and status',
    labelNames: ['agent', 'status'] as const,
    registers,
    collect() {
      this.reset();
      for (const agent of HOOK_AGENTS) for (const status of SESSION_STATUSES) this.set({ agent, status }, 0);
      for (const session of sources.sessions.list()) this.inc({ agent: session.agent, status: session.status });
    },
  });
  new Gauge({
    name: 'agent_mesh_agent_session_tokens',
    help: `Tokens of the coding-agent sessions kept, by agent, model (the ${MAX_MODEL_LABELS} models with most tokens; the rest "other", none "unknown") and kind`,
    labelNames: ['agent', 'model', 'kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const { labels, session } of labelledSessions(sources.sessions.list())) {
        for (const [kind, key] of TOKEN_KINDS) this.inc({ ...labels, kind }, session.tokens[key]);
      }
    },
  });
  new Gauge({
    name: 'agent_mesh_agent_session_cost_usd',
    help: 'US dollars of the coding-agent sessions kept, by agent and model (as for the tokens; unpriced responses count 0)',
    labelNames: ['agent', 'model'] as const,
    registers,
    collect() {
      this.reset();
      for (const { labels, session } of labelledSessions(sources.sessions.list())) this.inc(labels, session.costUsd ?? 0);
    },
  });

  new Gauge({ name: 'agent_mesh_mcp_servers', help: 'MCP servers configured', registers, collect() { this.set(sources.mcp.counters().total); } });
  new Gauge({ name: 'agent_mesh_mcp_servers_connected', help: 'MCP servers connected', registers, collect() { this.set(sources.mcp.counters().connected); } });
  new Gauge({ name: 'agent_mesh_mcp_tool_tokens', help: "Tokens the connected MCP servers' tool definitions take in a model's context", registers, collect() { this.set(sources.mcp.tokens().total); } });

  new Gauge({ name: 'agent_mesh_mesh_agents', help: 'Agents of the mesh', registers, collect() { this.set(sources.mesh.counts().total); } });
  new Gauge({ name: 'agent_mesh_mesh_agents_healthy', help: 'Agents of the mesh whose last check succeeded', registers, collect() { this.set(sources.mesh.counts().healthy); } });
  const checks = new Counter({ name: 'agent_mesh_mesh_checks_total', help: 'Health checks of mesh agents, by outcome', labelNames: ['outcome'] as const, registers });
  const checkLatency = new Histogram({ name: 'agent_mesh_mesh_check_seconds', help: 'Latency of the successful health checks of mesh agents', buckets: CHECK_BUCKETS, registers });
  for (const outcome of ['healthy', 'unhealthy']) checks.inc({ outcome }, 0);
  // A check shows as a new `checkedAt` in the snapshot the monitor sends after each cycle.
  let lastChecked = new Map<string, string>();
  const stopMesh = sources.mesh.onUpdate((snapshot) => {
    const seen = new Map<string, string>();
    for (const agent of snapshot.agents) {
      if (!agent.checkedAt) continue;
      seen.set(agent.id, agent.checkedAt);
      if (lastChecked.get(agent.id) === agent.checkedAt) continue;
      checks.inc({ outcome: agent.status === 'healthy' ? 'healthy' : 'unhealthy' });
      if (agent.status === 'healthy' && agent.latencyMs !== undefined) checkLatency.observe(agent.latencyMs / 1000);
    }
    lastChecked = seen;
  });

  return () => {
    stopApprovals();
    stopMesh();
  };
}

/**
 * Each session with its `agent` and `model` labels: the models with most tokens named as they are
 * (when label-safe), the others `other`, none `unknown`.
 */
function labelledSessions(sessions: AgentSession[]): Array<{ session: AgentSession; labels: { agent: string; model: string } }> {
  const totals = new Map<string, number>();
  for (const session of sessions) {
    if (session.model === undefined || !MODEL_LABEL.test(session.model)) continue;
    const { input, output, cacheRead, cacheWrite } = session.tokens;
    totals.set(session.model, (totals.get(session.model) ?? 0) + input + output + cacheRead + cacheWrite);
  }
  const named = new Set([...totals].sort((a, b) => b[1] - a[1]).slice(0, MAX_MODEL_LABELS).map(([model]) => model));
  const modelLabel = (model: string | undefined) => (model === undefined ? 'unknown' : named.has(model) ? model : 'other');
  return sessions.map((session) => ({ session, labels: { agent: session.agent, model: modelLabel(session.model) } }));
}
