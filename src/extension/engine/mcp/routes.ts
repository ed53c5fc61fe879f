// The fleet's HTTP routes (API.md), plus per-server details, stop and logs.
import { toolCallBodySchema } from '../../../shared/mcp';
import { HttpError, readJsonBody, validate } from '../relay/http';
import type { Router } from '../relay/router';
import { McpFleetError, type McpFleet, type McpFleetErrorCode } from './fleet';

const STATUS: Record<McpFleetErrorCode, number> = {
  server_not_found: 404,
  tool_not_found: 404,
  tool_disabled: 403,
  not_connected: 409,
  tool_call_failed: 502,
  tool_call_timeout: 504,
  cancelled: 499,
};

async function answer<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof McpFleetError) throw new HttpError(STATUS[error.code], error.code, error.message);
    throw error;
  }
}

export function registerMcpRoutes(router: Router, fleet: McpFleet): void {
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
    // A caller that hangs up cancels the call on the server too.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    return answer(() => fleet.callTool(params.name, params.tool, body.arguments, { signal: abort.signal }));
  });
}
