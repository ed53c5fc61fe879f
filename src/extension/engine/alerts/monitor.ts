// Evaluates the alert rules and fires an alert once per condition instance: a condition that still holds
// at the next evaluation fires nothing; once it has cleared it may fire again as a new alert.
// Fired alerts are kept in memory, the newest MAX_ALERTS.
import type { Alert } from '../../../shared/alerts';
import { EngineError } from '../errors';
import { costSpikeRule } from './costSpike';
import { repeatedTaskFailureRule } from './taskFailures';
import { budgetRule, contextWindowRule, repeatedToolFailureRule, stalledSessionRule, type AlertInputs, type AlertRule } from './rules';

export const MAX_ALERTS = 200;

export type AlertEvent = { kind: 'fired' | 'dismissed'; alert: Alert };

export class AlertMonitor {
  /** Alerts newest first. */
  private readonly alerts: Alert[] = [];
  /** Condition key → the id of the alert it fired, for the conditions that held at the last evaluation. */
  private active = new Map<string, string>();
  private readonly listeners = new Set<(event: AlertEvent) => void>();

  constructor(private readonly rules: AlertRule[] = [budgetRule, stalledSessionRule, costSpikeRule(), contextWindowRule, repeatedToolFailureRule, repeatedTaskFailureRule()]) {}

  onEvent(listener: (event: AlertEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): Alert[] {
    return [...this.alerts];
  }

  /** Returns the alerts this evaluation fired. */
  evaluate(inputs: AlertInputs): Alert[] {
    const holding = new Map<string, string>();
    const fired: Alert[] = [];
    for (const condition of this.rules.flatMap((rule) => rule(inputs))) {
      const { key, ...rest } = condition;
      const existing = this.active.get(key);
      if (existing !== undefined) {
        holding.set(key, existing);
        continue;
      }
      const alert: Alert = { id: `${key}@${inputs.now}`, ...rest, firedAt: inputs.now };
      holding.set(key, alert.id);
      fired.push(alert);
    }
    this.active = holding;
    for (const alert of fired) {
      this.alerts.unshift(alert);
      this.alerts.length = Math.min(this.alerts.length, MAX_ALERTS);
      this.emit({ kind: 'fired', alert });
    }
    return fired;
  }

  dismiss(id: string, now: number): Alert {
    const index = this.alerts.findIndex((alert) => alert.id === id);
    if (index < 0) throw new EngineError('not_found', 'not_found', 'no such alert');
    const alert = this.alerts[index];
    if (alert.dismissedAt !== undefined) return alert;
    const dismissed = { ...alert, dismissedAt: now };
    this.alerts[index] = dismissed;
    this.emit({ kind: 'dismissed', alert: dismissed });
    return dismissed;
  }

  private emit(event: AlertEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export const EVALUATE_EVERY_MS = 30_000;
export const AFTER_CHANGE_DELAY_MS = 1_000;

/**
 * Runs `evaluate` every 30 s and once a second after changes (a burst of changes is one evaluation).
 * The timers do not keep the process alive; the returned function stops them.
 */
export function scheduleEvaluations(evaluate: () => void, onChange: (listener: () => void) => () => void): () => void {
  const every = setInterval(evaluate, EVALUATE_EVERY_MS);
  every.unref();
  let pending: NodeJS.Timeout | undefined;
  const stopListening = onChange(() => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      evaluate();
    }, AFTER_CHANGE_DELAY_MS);
    pending.unref();
  });
  return () => {
    clearInterval(every);
    if (pending) clearTimeout(pending);
    stopListening();
  };
}
