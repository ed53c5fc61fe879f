// Each newly fired alert once as a VS Code notification: a warning for severity `warning` (a budget
// spent over, a context window over 80 %, repeated failures), information otherwise; its Dismiss
// button dismisses the alert in the engine.
import * as vscode from 'vscode';
import type { Alert } from '../../shared/alerts';
import type { AlertMonitor } from '../engine/alerts/monitor';

const DISMISS = 'Dismiss';

export class AlertNotifications implements vscode.Disposable {
  private stopListening: (() => void) | undefined;

  constructor(private readonly openDashboard: () => void) {}

  attach(monitor: AlertMonitor): void {
    this.stopListening?.();
    this.stopListening = monitor.onEvent(({ kind, alert }) => {
      if (kind === 'fired') void this.notify(monitor, alert);
    });
  }

  private async notify(monitor: AlertMonitor, alert: Alert): Promise<void> {
    const show = alert.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(`Agent Mesh: ${alert.message}`, DISMISS, 'Open Dashboard');
    if (choice === DISMISS) monitor.dismiss(alert.id, Date.now());
    else if (choice === 'Open Dashboard') this.openDashboard();
  }

  dispose(): void {
    this.detachEngine();
  }

  /** Stops listening while no engine runs (a restart failed). */
  detachEngine(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }
}
