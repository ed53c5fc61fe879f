import type { ClientFrame } from '../../../shared/protocol';
import type { Task } from '../../../shared/tasks';
import { errorFrame } from '../relay/errors';
import type { Logger } from '../log';
import type { HubClient } from '../relay/hub';
import type { TaskService } from './taskService';

export type TaskFrame = Extract<ClientFrame, { type: `task:${string}` }>;

/**
 * Task frames over the relay's WebSocket. The clients that started or reported on a task get a
 * `task` frame when it is cancelled, so an agent learns of it without waiting for its next report.
 */
export class TaskFrameIntake {
  private readonly reporters = new Map<string, Set<HubClient>>();
  /** The tasks each client reports on, so that its socket closing takes it off all of them. */
  private readonly reportedBy = new WeakMap<HubClient, Set<string>>();

  constructor(
    private readonly tasks: TaskService,
    private readonly logger: Logger,
  ) {
    tasks.onEvent((event) => {
      if (event.kind === 'removed') {
        this.reporters.delete(event.id);
      } else if (event.task.status === 'cancelled') {
        for (const client of this.reporters.get(event.task.id) ?? []) client.send({ type: 'task', task: event.task });
      }
    });
  }

  async handle(client: HubClient, frame: TaskFrame): Promise<void> {
    try {
      const task = await (frame.type === 'task:start' ? this.start(frame) : this.report(frame));
      this.addReporter(client, task.id);
      client.send({ type: 'task', ...(frame.id ? { id: frame.id } : {}), task });
    } catch (error) {
      client.send(errorFrame(error, frame.id, this.logger));
    }
  }

  /** How many client-and-task pairs are registered (tests, diagnostics). */
  get reporterCount(): number {
    let count = 0;
    for (const set of this.reporters.values()) count += set.size;
    return count;
  }

  private addReporter(client: HubClient, taskId: string): void {
    let reporters = this.reporters.get(taskId);
    if (!reporters) this.reporters.set(taskId, (reporters = new Set()));
    reporters.add(client);
    let tasks = this.reportedBy.get(client);
    if (!tasks) {
      const own = (tasks = new Set());
      this.reportedBy.set(client, own);
      client.onClose(() => {
        for (const id of own) {
          const set = this.reporters.get(id);
          if (set?.delete(client) && set.size === 0) this.reporters.delete(id);
        }
      });
    }
    tasks.add(taskId);
  }

  private start(frame: Extract<TaskFrame, { type: 'task:start' }>): Promise<Task> {
    const { type: _type, id: _id, ...create } = frame;
    return this.tasks.create(create);
  }

  private report(frame: Extract<TaskFrame, { type: 'task:report' }>): Promise<Task> {
    const { type: _type, id: _id, taskId, ...update } = frame;
    return this.tasks.update(taskId, update);
  }
}
