import { useRef, useState } from 'preact/hooks';
import type { Alert } from '../../shared/alerts';
import type { PanelProps, RelayApi } from '../panels/types';
import { registerChannelReducer } from '../sync/channels';
import { Button } from '../ui/Button';
import { activeAlerts, alertTime, reduceAlerts } from './alertsView';

registerChannelReducer('alerts', reduceAlerts);

const SEVERITY = { warning: { icon: '⚠', label: 'Warning' }, info: { icon: 'ℹ', label: 'Info' } } as const;

/** The alerts not dismissed yet: severity, time, message and Dismiss; a warning that fires while the panel is open is announced. */
export function AlertsPanel({ data: snapshot, api }: PanelProps<'alerts'>) {
  // Alerts already there when the panel first had data are listed, not announced.
  const shownFrom = useRef<number | undefined>(undefined);
  if (!snapshot) return <p class="muted">Loading alerts…</p>;
  shownFrom.current ??= Math.max(0, ...snapshot.alerts.map((alert) => alert.firedAt));
  const alerts = activeAlerts(snapshot);
  return (
    <div data-testid="alerts-panel">
      {alerts.length === 0 ? (
        <p class="muted">No alerts</p>
      ) : (
        <ul class="alert-list">
          {alerts.map((alert) => (
            <li key={alert.id}>
              <AlertRow alert={alert} api={api} announce={alert.severity === 'warning' && alert.firedAt > shownFrom.current!} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function AlertRow({ alert, api, announce }: { alert: Alert; api: RelayApi; announce: boolean }) {
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const severity = SEVERITY[alert.severity];
  const dismiss = () => {
    setBusy(true);
    setProblem(undefined);
    api
      .request('POST', `/api/alerts/${encodeURIComponent(alert.id)}/dismiss`, {})
      .catch((error: Error) => setProblem(error.message))
      .finally(() => setBusy(false));
  };
  return (
    <article class={`alert-item alert-${alert.severity}`} role={announce ? 'alert' : undefined} aria-label={`${severity.label}: ${alert.message}`} data-testid="alert-item">
      <span class="alert-icon" aria-hidden="true">
        {severity.icon}
      </span>
      <div class="alert-body">
        <div class="alert-meta">
          <span class="alert-severity">{severity.label}</span>
          <time class="muted" dateTime={new Date(alert.firedAt).toISOString()}>
            {alertTime(alert.firedAt, Date.now())}
          </time>
        </div>
        <p class="alert-message">{alert.message}</p>
        {problem && <p class="text-field-error">{problem}</p>}
      </div>
      <Button appearance="secondary" title={`Dismiss: ${alert.message}`} disabled={busy} onClick={dismiss}>
        Dismiss
      </Button>
    </article>
  );
}
