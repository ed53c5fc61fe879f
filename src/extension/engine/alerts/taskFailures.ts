// The repeated-failures rule for tasks: the same task failing 3 times. "The same task" is either one
// step of a task (its retries: a step reported failed or timed out goes back to running while it has
// retries left) or the runs of a task an agent starts again (same agent and title) that ended failed
// or timed out within 10 minutes. Finished tasks leave the task list after a few minutes, so the rule
// remembers the failed runs it saw (each task id once), for 10 minutes.
import type { Task } from '../../../shared/tasks';
import type { AlertCondition, AlertRule } from './rules';
import { FAILURE_WINDOW_MS, REPEATED_FAILURES } from './rules';

/** Tasks (agent and title) whose failed runs are remembered at most; the oldest go first. */
const MAX_REMEMBERED_TASKS = 1000;

const endedFailing = (task: Task): boolean => task.status === 'failed' || task.status === 'timeout';
const stepFailures = (step: Task['steps'][number]): number => step.attempts + (step.state === 'failed' ? 1 : 0);

/** A new rule with its own memory of failed runs: one per monitor. */
export function repeatedTaskFailureRule(): AlertRule {
  /** JSON [agent, title] → failed run's task id → when it ended. */
  const failedRuns = new Map<string, Map<string, number>>();
  return ({ tasks = [], now }) => {
    for (const task of tasks) {
      if (!endedFailing(task) || task.finishedAt === undefined) continue;
      const key = JSON.stringify([task.agent, task.title]);
      const runs = failedRuns.get(key) ?? new Map<string, number>();
      runs.set(task.id, task.finishedAt);
      failedRuns.delete(key);
      failedRuns.set(key, runs);
      if (failedRuns.size > MAX_REMEMBERED_TASKS) failedRuns.delete(failedRuns.keys().next().value!);
    }
    const conditions: AlertCondition[] = [];
    for (const [key, runs] of failedRuns) {
      for (const [id, endedAt] of runs) if (endedAt < now - FAILURE_WINDOW_MS) runs.delete(id);
      if (runs.size === 0) failedRuns.delete(key);
      if (runs.size < REPEATED_FAILURES) continue;
      const [agent, title] = JSON.parse(key) as [string, string];
      conditions.push({
        key: `task-failures:${key}`,
        kind: 'repeated-failures',
        severity: 'warning',
        subject: agent,
        message: `The task "${title}" of ${agent} failed ${runs.size} times in the last 10 minutes.`,
      });
    }
    for (const task of tasks) {
      for (const step of task.steps) {
        if (stepFailures(step) < REPEATED_FAILURES) continue;
        conditions.push({
          key: `step-failures:${task.id}:${step.name}`,
          kind: 'repeated-failures',
          severity: 'warning',
          subject: task.id,
          message: `The step "${step.name}" of the task "${task.title}" (${task.agent}) failed ${stepFailures(step)} times.`,
        });
      }
    }
    return conditions;
  };
}
