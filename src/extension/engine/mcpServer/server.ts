import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { approvalRequestSchema, APPROVAL_STATUSES, type Approval } from '../../../shared/approvals';
import { jsonValueSchema } from '../../../shared/json';
import { TASK_STATUSES, taskCreateSchema, taskStepInputSchema, taskUpdateSchema, type Task } from '../../../shared/tasks';
import type { ApprovalQueue } from '../approvals/queue';
import type { Logger } from '../log';
import { HttpError, readJsonBody } from '../relay/http';
import type { Router } from '../relay/router';
import { TaskCancelledError, type TaskService } from '../tasks/taskService';

export const MCP_SERVER_NAME = 'agent-mesh';

export interface BuiltInMcpDependencies {
  approvals: ApprovalQueue;
  tasks: TaskService;
  /** The dashboard widgets service: throws HttpError 400 when data does not fit the widget's schema. */
  widgets: { render(request: { id: string; type: string; data: unknown }): Promise<unknown> };
  logger: Logger;
  version: string;
}

const approvalOutput = z.object({
  id: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  level: z.enum(['auto', 'quick', 'full']),
  decidedBy: z.string().optional(),
  comment: z.string().optional(),
  reason: z.string().optional(),
});

const progressInput = z.strictObject({
  taskId: z.string().min(1).max(128).optional().describe('The task to report on; leave out to start a new task (then title and steps are required).'),
  title: taskCreateSchema.shape.title.optional(),
  agent: taskCreateSchema.shape.agent,
  steps: z.array(taskStepInputSchema).min(1).max(200).optional().describe('The weighted steps of a new task.'),
  timeoutMs: taskCreateSchema.shape.timeoutMs.describe('How long a new task may run before it ends as timeout (the relay has a default).'),
  ...taskUpdateSchema.shape,
});

const progressOutput = z.object({
  taskId: z.string(),
  status: z.enum(TASK_STATUSES),
  percent: z.number(),
  cancelled: z.boolean(),
  cancelledBy: z.string().optional(),
  cancelReason: z.string().optional(),
});

/**
 * `POST /mcp`: the built-in MCP server over streamable HTTP, stateless (a fresh server and
 * transport per request), so any relay sharing the store can answer and a restart loses nothing.
 * The route sits behind the relay's bearer token like every other route.
 */
export function registerBuiltInMcpServer(router: Router, deps: BuiltInMcpDependencies): void {
  router.add('POST', '/mcp', async ({ req, res }) => {
    const body = await readJsonBody(req);
    const hungUp = new AbortController();
    const server = buildServer(deps, hungUp.signal);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.once('close', () => {
      hungUp.abort();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
}

function buildServer(deps: BuiltInMcpDependencies, hungUp: AbortSignal): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version: deps.version });

  server.registerTool(
    'request_approval',
    {
      title: 'Ask a person for approval',
      description:
        'Asks the person in VS Code to approve an action and waits for the answer. Returns approved, rejected, ' +
        'expired (no decision within timeoutMs) or cancelled. Proceed only when the status is "approved". ' +
        'Confidence (0-100) routes the request: high confidence is approved automatically, medium asks inline, low queues a full review.',
      inputSchema: approvalRequestSchema,
      outputSchema: approvalOutput,
    },
    async (request, extra) => {
      try {
        const created = await deps.approvals.request({ agent: 'MCP client', ...request });
        const signal = AbortSignal.any([extra.signal, hungUp]);
        const approval = created.status === 'pending' ? await deps.approvals.waitFor(created.id, undefined, signal) : created;
        if (approval.status === 'pending') {
          return failure(`approval ${approval.id} is still pending: the wait ended before a decision (request aborted or relay stopping). Retry GET /api/approvals/${approval.id}/wait.`);
        }
        return { content: [{ type: 'text', text: describeDecision(approval) }], structuredContent: approvalResult(approval) };
      } catch (error) {
        return failureFrom(error, deps.logger);
      }
    },
  );

  server.registerTool(
    'report_progress',
    {
      title: 'Report task progress',
      description:
        'Starts a long-running task (title + weighted steps, no taskId) or reports on one (taskId + step/state/progress/message/status). ' +
        'When the answer says cancelled: true, the person cancelled the task: stop working on it.',
      inputSchema: progressInput,
      outputSchema: progressOutput,
    },
    async (input) => {
      try {
        const { taskId, title, agent, steps, timeoutMs, ...update } = input;
        let task: Task;
        if (taskId === undefined) {
          const create = taskCreateSchema.safeParse({ title, agent, steps, timeoutMs });
          if (!create.success) return failure(`to start a task give title and steps: ${create.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
          task = await deps.tasks.create(create.data);
        } else {
          if (title !== undefined || steps !== undefined || timeoutMs !== undefined) return failure('title, steps and timeoutMs start a new task; leave out taskId to start one');
          task = await deps.tasks.update(taskId, update);
        }
        return progressResult(task);
      } catch (error) {
        if (error instanceof TaskCancelledError) return progressResult(error.task);
        return failureFrom(error, deps.logger);
      }
    },
  );

  server.registerTool(
    'render_widget',
    {
      title: 'Show a widget on the dashboard',
      description: 'Shows (or replaces) a widget on every Agent Mesh dashboard. The data must fit the widget type\'s schema; the error names the fields that do not.',
      inputSchema: z.strictObject({
        id: z.string().min(1).max(128).describe('Stable widget id; rendering the same id again replaces the widget.'),
        type: z.string().min(1).max(64).describe('Widget type, e.g. task_progress, metrics, alert, task_list.'),
        data: jsonValueSchema.describe('The widget data, in the shape of the widget type.'),
      }),
    },
    async (input) => {
      try {
        await deps.widgets.render(input);
        return { content: [{ type: 'text', text: `widget "${input.id}" (${input.type}) is shown on the dashboard` }] };
      } catch (error) {
        return failureFrom(error, deps.logger);
      }
    },
  );

  return server;
}

function approvalResult(approval: Approval): z.output<typeof approvalOutput> {
  const { id, status, level, decidedBy, comment, reason } = approval;
  return { id, status, level, ...(decidedBy ? { decidedBy } : {}), ...(comment ? { comment } : {}), ...(reason ? { reason } : {}) };
}

function describeDecision(approval: Approval): string {
  const by = approval.decidedBy ? ` by ${approval.decidedBy}` : '';
  switch (approval.status) {
    case 'approved':
      return `approved${by}${approval.comment ? `: ${approval.comment}` : ''}. You may proceed.`;
    case 'rejected':
      return `rejected${by}${approval.comment ? `: ${approval.comment}` : ''}. Do not proceed.`;
    case 'cancelled':
      return `cancelled${by}${approval.reason ? `: ${approval.reason}` : ''}. Do not proceed.`;
    case 'expired':
      return 'expired: nobody decided within the timeout. Do not proceed.';
    default:
      return `still ${approval.status}`;
  }
}

function progressResult(task: Task): CallToolResult {
  const cancelled = task.status === 'cancelled';
  const structured: z.output<typeof progressOutput> = {
    taskId: task.id,
    status: task.status,
    percent: task.percent,
    cancelled,
    ...(task.cancelledBy ? { cancelledBy: task.cancelledBy } : {}),
    ...(task.cancelReason ? { cancelReason: task.cancelReason } : {}),
  };
  const text = cancelled
    ? `task ${task.id} was cancelled by ${task.cancelledBy ?? 'a person'}${task.cancelReason ? `: ${task.cancelReason}` : ''}. Stop working on it.`
    : `task ${task.id} is ${task.status} at ${task.percent}%`;
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function failureFrom(error: unknown, logger: Logger): CallToolResult {
  if (error instanceof HttpError) return failure(`${error.code}: ${error.message}`);
  logger.error(`built-in MCP tool failed: ${(error as Error).message}`);
  return failure('internal error in the relay');
}
