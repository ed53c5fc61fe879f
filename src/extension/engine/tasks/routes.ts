import { taskCancelSchema, taskCreateSchema, taskUpdateSchema } from '../../../shared/tasks';
import { readJsonBody, sendJson, validate } from '../relay/http';
import type { Router } from '../relay/router';
import { TaskCancelledError, type TaskService } from './taskService';

/** `/api/tasks`: agents start tasks, report progress (PATCH) and learn of cancellation from the answer. */
export function registerTaskRoutes(router: Router, tasks: TaskService): void {
  router.add('GET', '/api/tasks', () => tasks.list());
  router.add('GET', '/api/tasks/:id', ({ params }) => tasks.get(params.id));
  router.add('POST', '/api/tasks', async ({ req, res }) => {
    sendJson(res, 201, await tasks.create(validate(taskCreateSchema, await readJsonBody(req))));
  });
  router.add('PATCH', '/api/tasks/:id', async ({ req, res, params }) => {
    const update = validate(taskUpdateSchema, await readJsonBody(req));
    try {
      return await tasks.update(params.id, update);
    } catch (error) {
      if (!(error instanceof TaskCancelledError)) throw error;
      // The agent's cue to stop: 409 with `cancelled: true` and who cancelled it and why.
      sendJson(res, 409, { error: { code: error.code, message: error.message }, cancelled: true, task: error.task });
      return undefined;
    }
  });
  router.add('DELETE', '/api/tasks/:id', async ({ req, params }) => {
    const task = await tasks.cancel(params.id, validate(taskCancelSchema, await readJsonBody(req)));
    return { success: true, cancelledAt: task.finishedAt, task };
  });
}
