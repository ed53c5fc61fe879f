// How the alert widget folds the `alerts` channel's events and words an alert's time.
import type { Alert, AlertsSnapshot } from '../../shared/alerts';
import type { ChannelReducer } from '../sync/channels';

/** `fired` adds the alert first; `dismissed` replaces it by id. */
export const reduceAlerts: ChannelReducer<'alerts'> = (previous, event) => {
  const alerts = previous?.alerts ?? [];
  if (event.name === 'fired') return { alerts: [event.payload, ...alerts.filter((a) => a.id !== event.payload.id)] };
  if (event.name === 'dismissed') return { alerts: alerts.map((a) => (a.id === event.payload.id ? event.payload : a)) };
  return previous;
};

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
