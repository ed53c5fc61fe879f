import { useState } from 'preact/hooks';
import type { MeshAgentSummary } from '../../shared/mesh';
import type { WidgetData } from '../../shared/widgets';
import { registerChannelReducer } from '../sync/channels';
import { Button } from '../ui/Button';
import { clock } from '../widgets/format';
import { WidgetView } from '../widgets/Widget';
import type { PanelProps } from './types';

// Every cycle's `update` carries the whole (small) agent list; `transition` events are for notifications.
registerChannelReducer('mesh', (previous, event) => (event.name === 'update' ? event.payload : previous));

/** The mesh as a vitals widget: status dots, latency, a sparkline of the recent checks, circuit state. */
export function meshVitals(agents: MeshAgentSummary[]): WidgetData<'vitals'> {
  return {
    items: agents.map((agent) => ({
      label: agent.name,
      status: agent.status,
      ...(agent.latencyMs !== undefined ? { latencyMs: agent.latencyMs } : {}),
      history: agent.recent.map((p) => (p.ok && p.latencyMs !== undefined ? p.latencyMs : null)),
      circuit: agent.circuit,
      detail: [agent.error, agent.checkedAt ? `checked ${clock(agent.checkedAt)}` : 'not checked yet'].filter(Boolean).join(' · '),
    })),
  };
}

export function MeshPanel({ data: snapshot, api }: PanelProps<'mesh'>) {
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  if (!snapshot) return <p class="muted">Waiting for the mesh…</p>;
  const { agents } = snapshot;
  if (agents.length === 0) {
    return <p class="muted">No agents configured. List them in the agentMesh.mesh.agents setting (or the headless config file).</p>;
  }
  const healthy = agents.filter((a) => a.status === 'healthy').length;
  const checkNow = async () => {
    setChecking(true);
    setProblem(undefined);
    try {
      await api.request('POST', '/api/mesh/check');
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setChecking(false);
    }
  };
  return (
    <div class="mesh-panel" data-testid="mesh-panel">
      <div class="w-row">
        <span data-testid="mesh-summary" role="status">
          {healthy}/{agents.length} healthy
          {snapshot.cycleMs !== undefined && <span class="muted"> · last cycle {snapshot.cycleMs} ms</span>}
        </span>
        <Button appearance="secondary" onClick={() => void checkNow()} disabled={checking} title="Check now: every agent, without waiting for the next cycle">
          Check now
        </Button>
      </div>
      <WidgetView id="mesh-vitals" type="vitals" data={meshVitals(agents)} />
      {problem && <p class="notice-error">{problem}</p>}
    </div>
  );
}
