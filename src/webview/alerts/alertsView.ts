// How the alert widget folds the `alerts` channel's events and words an alert's time.
import type { Alert, AlertsSnapshot } from '../../shared/alerts';
import type { JsonValue } from '../../shared/protocol';

/** `fired` adds the alert first; `dismissed` replaces it by id. */
export function reduceAlerts(previous: JsonValue | undefined, name: string, payload: JsonValue): JsonValue | undefined {
  const alerts = (previous as unknown as AlertsSnapshot | undefined)?.alerts ?? [];
  const alert = payload as unknown as Alert;
  if (name === 'fired') return { alerts: [alert, ...alerts.filter((a) => a.id !== alert.id)] } as unknown as JsonValue;
  if (name === 'dismissed') return { alerts: alerts.map((a) => (a.id === alert.id ? alert : a)) } as unknown as JsonValue;
  return previous;
}

/** The alerts not dismissed, newest first. */
export function activeAlerts(snapshot: AlertsSnapshot | undefined): Alert[] {
  return (snapshot?.alerts ?? []).filter((alert) => alert.dismissedAt === undefined).sort((a, b) => b.firedAt - a.firedAt);
}

/** "14:05" today, "30 Nov 14:05" on another day, in the viewer's time zone. */
export function alertTime(firedAt: number, now: number): string {
  const at = new Date(firedAt);
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === new Date(now).toDateString() ? time : `${at.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}`;
}
