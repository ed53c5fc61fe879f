// Tool calls in flight through the relay (HTTP stream or WebSocket), by id, so a client can cancel
// one: the abort reaches the server as `notifications/cancelled`. Bounded: a relay runs at most
// MAX_RUNNING_TOOL_CALLS at once.
import { randomUUID } from 'node:crypto';
import type { McpToolProgress } from '../../../shared/mcp';
import type { JsonObject } from '../../../shared/protocol';
import { McpFleetError, type McpFleet } from './fleet';

export const MAX_RUNNING_TOOL_CALLS = 256;

export interface RunningToolCall {
  readonly id: string;
  readonly signal: AbortSignal;
  cancel(): void;
}

export class RunningToolCalls {
  private readonly calls = new Map<string, AbortController>();

  constructor(private readonly fleet: McpFleet) {}

  /**
   * Calls a tool under a fresh call id (told to `started` before the call begins); resolves with
   * the result, rejects with a McpFleetError (`cancelled` once cancelled). The id is forgotten when
   * the call ends.
   */
  async run(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    handlers: { started(call: RunningToolCall): void; progress(progress: McpToolProgress): void },
  ): Promise<JsonObject> {
    this.fleet.server(server); // an unknown server fails before anything starts
    if (this.calls.size >= MAX_RUNNING_TOOL_CALLS) throw new McpFleetError('too_many_calls', `${MAX_RUNNING_TOOL_CALLS} tool calls are running already`);
    const id = randomUUID();
    const abort = new AbortController();
    this.calls.set(id, abort);
    try {
      handlers.started({ id, signal: abort.signal, cancel: () => abort.abort() });
      return await this.fleet.callTool(server, tool, args, { signal: abort.signal, onProgress: handlers.progress });
    } finally {
      this.calls.delete(id);
    }
  }

  /** Cancels a running call; false when no call has that id (unknown or finished). */
  cancel(id: string): boolean {
    const abort = this.calls.get(id);
    abort?.abort();
    return abort !== undefined;
  }

  cancelAll(): void {
    for (const abort of this.calls.values()) abort.abort();
  }
}
