// Tool calls over the relay's WebSocket: `mcp:call` answers with `mcp:call` frames carrying the same
// lines as the HTTP stream (`started`, `progress`, then `result` or `error`); `mcp:cancel` cancels a
// call by its id, and a socket that closes cancels the calls it started.
import type { McpToolCallLine } from '../../../shared/mcp';
import type { ClientFrame } from '../../../shared/protocol';
import { closingSignal } from '../relay/closingSignal';
import type { HubClient } from '../relay/hub';
import { TokenBucket } from '../tokenBucket';
import { toolCallError } from './routes';
import type { RunningToolCalls } from './toolCalls';

export type ToolCallFrame = Extract<ClientFrame, { type: 'mcp:call' | 'mcp:cancel' }>;

const MAX_CALLS_PER_CLIENT = 16;
/** Progress frames per call: a burst, then this many a second; the ones over it are left out (the next one says where the call is). */
const PROGRESS_BURST = 20;
const PROGRESS_PER_SECOND = 10;

export class ToolCallFrameIntake {
  private readonly running = new WeakMap<HubClient, number>();

  constructor(private readonly calls: RunningToolCalls) {}

  async handle(client: HubClient, frame: ToolCallFrame): Promise<void> {
    const idField = frame.id ? { id: frame.id } : {};
    if (frame.type === 'mcp:cancel') {
      if (!this.calls.cancel(frame.callId)) client.send({ type: 'error', code: 'not_found', message: 'no running tool call has this id', ...idField });
      return;
    }
    const running = this.running.get(client) ?? 0;
    if (running >= MAX_CALLS_PER_CLIENT) {
      client.send({ type: 'error', code: 'rate_limited', message: `a connection may run at most ${MAX_CALLS_PER_CLIENT} tool calls at once`, ...idField });
      return;
    }
    this.running.set(client, running + 1);
    const send = (line: McpToolCallLine) => client.send({ type: 'mcp:call', ...idField, line });
    const progressBudget = new TokenBucket(PROGRESS_BURST, PROGRESS_PER_SECOND);
    const closing = closingSignal(client);
    let release = () => {};
    try {
      const result = await this.calls.run(frame.server, frame.tool, frame.arguments, {
        started: ({ id, cancel }) => {
          closing.addEventListener('abort', cancel, { once: true });
          release = () => closing.removeEventListener('abort', cancel);
          send({ type: 'started', callId: id });
        },
        progress: (progress) => {
          if (progressBudget.take()) send({ type: 'progress', ...progress });
        },
      });
      send({ type: 'result', result });
    } catch (error) {
      send({ type: 'error', error: toolCallError(error) });
    } finally {
      release();
      this.running.set(client, (this.running.get(client) ?? 1) - 1);
    }
  }

}
