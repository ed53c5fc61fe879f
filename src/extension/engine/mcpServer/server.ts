import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ListToolsRequestSchema,
  LoggingLevelSchema,
  SetLevelRequestSchema,
  type CallToolResult,
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { approvalRequestSchema, APPROVAL_STATUSES, type Approval } from '../../../shared/approvals';
import { jsonValueSchema } from '../../../shared/json';
import { TASK_STATUSES, taskCreateSchema, taskStepInputSchema, taskUpdateSchema, type Task } from '../../../shared/tasks';
import type { ApprovalQueue } from '../approvals/queue';
import type { Logger } from '../log';
import { readJsonBody } from '../relay/http';
import { EngineError } from '../errors';
import type { Router } from '../relay/router';
import { TaskCancelledError, type TaskService } from '../tasks/taskService';

export const MCP_SERVER_NAME = 'agent-mesh';

export interface BuiltInMcpDependencies {
  approvals: ApprovalQueue;
  tasks: TaskService;
  /** The dashboard widgets service: throws an invalid EngineError when data does not fit the widget's schema. */
  widgets: { render(request: { id: string; type: string; data: unknown }): Promise<unknown> };
  logger: Logger;
  version: string;
}

export interface BuiltInMcpServer {
  /**
   * Ends every wait for a decision with an answer (the approval still pending, and how to resume
   * the wait) and resolves once those answers are written, or after `graceMs`; later requests get 503.
   */
  shutdown(graceMs?: number): Promise<void>;
}

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

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

const approvalId = z.string().min(1).max(128);

/** The tools' metadata; listed in JSON Schema 2020-12, the default dialect of MCP 2025-11-25. */
const TOOLS = {
  request_approval: {
    title: 'Ask a person for approval',
    description:
      'Asks the person in VS Code to approve an action and waits for the answer. Returns approved, rejected, ' +
      'expired (no decision within timeoutMs), cancelled, or pending when the wait was cut off before a decision. ' +
      'Proceed only when the status is "approved". The approval id comes first in a progress notification (and an info log): ' +
      'if this call is cut off, call wait_for_approval with that id. ' +
      'Confidence (0-100) routes the request: high confidence is approved automatically, medium asks inline, low queues a full review.',
    inputSchema: approvalRequestSchema,
    outputSchema: approvalOutput,
  },
  wait_for_approval: {
    title: 'Wait again for an approval',
    description:
      'Waits for the decision on an approval that request_approval created, by its id: use it when a request_approval call ' +
      'was cut off (dropped connection, relay restart) or answered "pending". Returns the same answer as request_approval.',
    inputSchema: z.strictObject({ id: approvalId.describe('The approval id that request_approval announced or returned.') }),
    outputSchema: approvalOutput,
  },
  report_progress: {
    title: 'Report task progress',
    description:
      'Starts a long-running task (title + weighted steps, no taskId) or reports on one (taskId + step/state/progress/message/status). ' +
      'When the answer says cancelled: true, the person cancelled the task: stop working on it.',
    inputSchema: progressInput,
    outputSchema: progressOutput,
  },
  render_widget: {
    title: 'Show a widget on the dashboard',
    description: "Shows (or replaces) a widget on every Agent Mesh dashboard. The data must fit the widget type's schema; the error names the fields that do not.",
    inputSchema: z.strictObject({
      id: z.string().min(1).max(128).describe('Stable widget id; rendering the same id again replaces the widget.'),
      type: z.string().min(1).max(64).describe('Widget type, e.g. task_progress, metrics, alert, task_list.'),
      data: jsonValueSchema.describe('The widget data, in the shape of the widget type.'),
    }),
  },
};

const TOOL_LISTING: Tool[] = Object.entries(TOOLS).map(([name, tool]) => ({
  name,
  title: tool.title,
  description: tool.description,
  inputSchema: jsonSchema2020(tool.inputSchema, 'input'),
  ...('outputSchema' in tool ? { outputSchema: jsonSchema2020(tool.outputSchema, 'output') } : {}),
}));

function jsonSchema2020(schema: z.ZodObject, io: 'input' | 'output'): Tool['inputSchema'] {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as Tool['inputSchema'];
}

const LOG_LEVELS = LoggingLevelSchema.options;

/**
 * `POST /mcp`: the built-in MCP server over streamable HTTP, stateless (a fresh server and
 * transport per request), so any relay sharing the store can answer and a restart loses nothing.
 * The route sits behind the relay's bearer token and Host/Origin checks like every other route.
 * The log level set by `logging/setLevel` is the relay's: every client holds the same token, and a
 * stateless server has no session to keep it in.
 */
export function registerBuiltInMcpServer(router: Router, deps: BuiltInMcpDependencies): BuiltInMcpServer {
  const stopping = new AbortController();
  const openResponses = new Set<Promise<void>>();
  const logLevel = { minimum: 'info' as LoggingLevel };
  router.add('POST', '/mcp', async ({ req, res }) => {
    if (stopping.signal.aborted) throw new EngineError('unavailable', 'stopping', 'the relay is stopping');
    const body = await readJsonBody(req);
    const hungUp = new AbortController();
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    openResponses.add(closed);
    const server = buildServer(deps, AbortSignal.any([hungUp.signal, stopping.signal]), logLevel);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    void closed.then(() => {
      openResponses.delete(closed);
      hungUp.abort();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  return {
    async shutdown(graceMs = 2_000) {
      stopping.abort();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([Promise.all(openResponses), grace]);
      clearTimeout(timer);
    },
  };
}

function buildServer(deps: BuiltInMcpDependencies, ended: AbortSignal, logLevel: { minimum: LoggingLevel }): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version: deps.version }, { capabilities: { logging: {} } });
  const log = (extra: ToolExtra, level: LoggingLevel, data: string) => {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(logLevel.minimum)) return Promise.resolve();
    return extra.sendNotification({ method: 'notifications/message', params: { level, logger: MCP_SERVER_NAME, data } });
  };

  /** Announces a pending approval's id (progress notification and info log), then waits for its decision. */
  const awaitDecision = async (approval: Approval, extra: ToolExtra): Promise<CallToolResult> => {
    if (approval.status === 'pending') {
      const message = `approval ${approval.id} is pending: waiting for a person. If this call is cut off, call wait_for_approval with {"id":"${approval.id}"}.`;
      const progressToken = extra._meta?.progressToken;
      if (progressToken !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: 0, message } });
      await log(extra, 'info', `${message} (${approval.title})`);
      approval = await deps.approvals.waitFor(approval.id, undefined, AbortSignal.any([extra.signal, ended]));
    }
    await log(extra, 'info', `approval ${approval.id} (${approval.title}) is ${approval.status}`);
    return { content: [{ type: 'text', text: describeDecision(approval) }], structuredContent: approvalResult(approval) };
  };

  server.registerTool('request_approval', TOOLS.request_approval, async (request, extra) => {
    try {
      return await awaitDecision(await deps.approvals.request({ agent: 'MCP client', ...request }), extra);
    } catch (error) {
      return failureFrom(error, deps.logger);
    }
  });

  server.registerTool('wait_for_approval', TOOLS.wait_for_approval, async ({ id }, extra) => {
    try {
      return await awaitDecision(await deps.approvals.find(id), extra);
    } catch (error) {
      return failureFrom(error, deps.logger);
    }
  });

  server.registerTool('report_progress', TOOLS.report_progress, async (input) => {
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
  });

  server.registerTool('render_widget', TOOLS.render_widget, async (input) => {
    try {
      await deps.widgets.render(input);
      return { content: [{ type: 'text', text: `widget "${input.id}" (${input.type}) is shown on the dashboard` }] };
    } catch (error) {
      return failureFrom(error, deps.logger);
    }
  });

  // Replaces the SDK's listing (draft-07 schemas) and its per-session log level (a stateless server has no session).
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOL_LISTING }));
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    logLevel.minimum = request.params.level;
    return {};
  });
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
    case 'pending':
      return `still pending: the wait ended before a decision (the call was cancelled or the relay is stopping). Do not proceed yet: call wait_for_approval with {"id":"${approval.id}"} to wait again.`;
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
  if (error instanceof EngineError) return failure(`${error.code}: ${error.message}`);
  logger.error(`built-in MCP tool failed: ${(error as Error).message}`);
  return failure('internal error in the relay');
}
