// The fleet's HTTP routes (API.md), plus per-server details, stop and logs.
import type { ServerResponse } from 'node:http';
import { toolCallBodySchema, type McpToolCallLine } from '../../../shared/mcp';
import type { JsonObject } from '../../../shared/protocol';
import { HttpError, readJsonBody, validate } from '../relay/http';
import type { Router } from '../relay/router';
import { McpFleetError, type McpFleet, type McpFleetErrorCode } from './fleet';
import type { RunningToolCalls } from './toolCalls';

const STATUS: Record<McpFleetErrorCode, number> = {
  server_not_found: 404,
  tool_not_found: 404,
  tool_disabled: 403,
  not_connected: 409,
  tool_call_failed: 502,
  tool_call_timeout: 504,
  cancelled: 499,
  too_many_calls: 429,
};

const NDJSON = 'application/x-ndjson';

async function answer<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof McpFleetError) throw new HttpError(STATUS[error.code], error.code, error.message);
    throw error;
  }
}

/** The `error` of a tool call that ended badly, as a frame or stream line: the status and code its plain HTTP answer would have. */
export function toolCallError(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof McpFleetError) return { status: STATUS[error.code], code: error.code, message: error.message };
  return { status: 500, code: 'internal', message: 'the tool call failed inside the relay' };
}

export function registerMcpRoutes(router: Router, fleet: McpFleet, calls: RunningToolCalls): void {
  router.add('GET', '/api/mcp/servers', () => fleet.servers());
  router.add('GET', '/api/mcp/servers/:name', ({ params }) => answer(() => fleet.server(params.name)));
  router.add('GET', '/api/mcp/servers/:name/logs', ({ params }) => answer(() => ({ name: params.name, lines: fleet.logs(params.name) })));
  router.add('POST', '/api/mcp/servers/:name/restart', ({ params }) =>
    answer(async () => {
      await fleet.restart(params.name);
      return fleet.server(params.name);
    }),
  );
  router.add('POST', '/api/mcp/servers/:name/stop', ({ params }) =>
    answer(async () => {
      await fleet.stop(params.name);
      return fleet.server(params.name);
    }),
  );
  router.add('POST', '/api/mcp/servers/:name/tools/:tool/call', async ({ req, res, params }) => {
    const body = validate(toolCallBodySchema, await readJsonBody(req));
    const streamed = req.headers.accept?.includes(NDJSON) ?? false;
    const write = (line: McpToolCallLine) => res.write(`${JSON.stringify(line)}\n`);
    const call = calls.run(params.name, params.tool, body.arguments, {
      started: ({ id, cancel }) => {
        // A caller that hangs up cancels the call on the server too.
        res.on('close', () => {
          if (!res.writableFinished) cancel();
        });
        if (!streamed) return;
        res.writeHead(200, { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        write({ type: 'started', callId: id });
      },
      // A reader that does not keep up misses progress lines rather than making the relay buffer them.
      progress: (progress) => {
        if (streamed && !res.writableEnded && !res.writableNeedDrain) write({ type: 'progress', ...progress });
      },
    });
    if (!streamed || !res.headersSent) return answer(() => call);
    await streamEnd(res, call, write);
    return undefined;
  });
  router.add('DELETE', '/api/mcp/calls/:callId', ({ params }) => {
    if (!calls.cancel(params.callId)) throw new HttpError(404, 'call_not_found', 'no running tool call has this id');
    return { callId: params.callId, cancelled: true };
  });
}

/** Ends a streamed call with its `result` line, or an `error` line with the status the plain answer would have had. */
async function streamEnd(res: ServerResponse, call: Promise<JsonObject>, write: (line: McpToolCallLine) => void): Promise<void> {
  try {
    write({ type: 'result', result: await call });
  } catch (error) {
    write({ type: 'error', error: toolCallError(error) });
  }
  res.end();
}
