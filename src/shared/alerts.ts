// Alerts: what GET /api/alerts answers and the `alerts` channel carries (events `snapshot` { alerts },
// `fired` Alert, `dismissed` Alert).

export const ALERT_KINDS = ['budget', 'stalled-session', 'cost-spike', 'context-window', 'repeated-failures'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type AlertSeverity = 'warning' | 'info';

export interface Alert {
  /** Stable for one instance of a condition: the condition's key and the time it fired. */
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** What it is about: the budget period, the session id or "all agents". */
  subject: string;
  message: string;
  firedAt: number;
  dismissedAt?: number;
}

export interface AlertsSnapshot {
  alerts: Alert[];
}
