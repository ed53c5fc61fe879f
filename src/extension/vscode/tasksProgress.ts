import * as vscode from 'vscode';
import type { Task } from '../../shared/tasks';
import type { Settings } from '../engine/config/settings';
import type { TaskEvent, TaskService } from '../engine/tasks/taskService';
import { deciderName } from './approvals';

/**
 * Cancellable progress notifications for the tasks a person follows ("Agent Mesh: Follow Task",
 * or every new task with `agentMesh.tasks.followAutomatically`). Cancelling the notification
 * cancels the task, which the agent learns on its next report.
 */
export class TaskProgressFollower implements vscode.Disposable {
  private service: TaskService | undefined;
  private detach: (() => void) | undefined;
  private readonly following = new Map<string, (task: Task | undefined) => void>();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly settings: { readonly current: Settings }) {
    this.disposables = [
      vscode.commands.registerCommand('agentMesh.tasks.follow', () => this.pickAndRun('Follow a task', (task) => this.follow(task))),
      vscode.commands.registerCommand('agentMesh.tasks.cancel', () =>
        this.pickAndRun('Cancel a task', (task) => this.cancel(task, 'cancelled from VS Code')),
      ),
    ];
  }

  attach(service: TaskService): void {
    this.detach?.();
    for (const finish of this.following.values()) finish(undefined);
    this.service = service;
    this.detach = service.onEvent((event) => this.onEvent(event));
  }

  /** Ends the followed tasks' notifications while no engine runs (a restart failed). */
  detachEngine(): void {
    this.detach?.();
    this.detach = undefined;
    for (const finish of this.following.values()) finish(undefined);
    this.service = undefined;
  }

  dispose(): void {
    this.detach?.();
    for (const finish of this.following.values()) finish(undefined);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  follow(task: Task): void {
    if (this.following.has(task.id) || task.status !== 'running') return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${task.agent}: ${task.title}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let reported = task.percent;
          progress.report({ increment: task.percent, message: describe(task) });
          const finish = (latest: Task | undefined) => {
            this.following.delete(task.id);
            cancelListener.dispose();
            if (latest && latest.status !== 'running' && latest.status !== 'cancelled') {
              void vscode.window.showInformationMessage(`Agent Mesh: ${latest.title} ${latest.status}${latest.message ? ` — ${latest.message}` : ''}.`);
            }
            resolve();
          };
          const cancelListener = token.onCancellationRequested(() => void this.cancel(task, 'cancelled from the progress notification'));
          this.following.set(task.id, (latest) => {
            if (latest && latest.status === 'running') {
              progress.report({ increment: latest.percent - reported, message: describe(latest) });
              reported = latest.percent;
              return;
            }
            finish(latest);
          });
        }),
    );
  }

  private onEvent(event: TaskEvent): void {
    if (event.kind === 'removed') {
      this.following.get(event.id)?.(undefined);
      return;
    }
    const update = this.following.get(event.task.id);
    if (update) {
      update(event.task);
    } else if (event.task.status === 'running' && event.task.createdAt === event.task.updatedAt && this.settings.current['agentMesh.tasks.followAutomatically']) {
      this.follow(event.task);
    }
  }

  private current(): TaskService {
    if (!this.service) throw new Error('the task service is not running');
    return this.service;
  }

  /** Cancels a task for the person at the keyboard; a refusal (already finished, not saved) is shown. */
  private async cancel(task: Task, reason: string): Promise<void> {
    try {
      await this.current().cancel(task.id, { by: deciderName(), reason });
    } catch (error) {
      void vscode.window.showWarningMessage(`Agent Mesh: ${(error as Error).message}`);
    }
  }

  private async pickAndRun(title: string, action: (task: Task) => Promise<void> | void): Promise<void> {
    const running = this.current().list().filter((t) => t.status === 'running');
    if (running.length === 0) {
      void vscode.window.showInformationMessage('Agent Mesh: no task is running.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      running.map((task) => ({ label: task.title, description: `${task.agent} · ${task.percent}%`, detail: task.message, task })),
      { title },
    );
    if (pick) await action(pick.task);
  }
}

function describe(task: Task): string {
  const step = task.steps.find((s) => s.state === 'running') ?? task.steps.find((s) => s.state === 'pending');
  return [`${task.percent}%`, step?.name, task.message].filter(Boolean).join(' · ');
}
