import type { ClientFrame } from '../../../shared/protocol';
import type { Logger } from '../log';
import { closingSignal } from '../relay/closingSignal';
import { errorFrame } from '../relay/errors';
import type { HubClient } from '../relay/hub';
import type { ApprovalQueue } from './queue';

/** Approvals one connection may wait for at once (requests and watches). */
export const MAX_WAITS_PER_CLIENT = 1_000;

export type ApprovalFrame = Extract<ClientFrame, { type: `approval:${string}` }>;

/**
 * Approval frames over the relay's WebSocket: request, decide, cancel and watch. A client that
 * asked for an approval (or watches one) gets an `approval` frame the moment it becomes terminal.
 */
export class ApprovalFrameIntake {
  private readonly waiting = new WeakMap<HubClient, number>();

  constructor(
    private readonly queue: ApprovalQueue,
    private readonly logger: Logger,
  ) {}

  async handle(client: HubClient, frame: ApprovalFrame): Promise<void> {
    try {
      switch (frame.type) {
        case 'approval:request': {
          const { type: _type, id, ...request } = frame;
          const approval = await this.queue.request(request);
          client.send({ type: 'approval', ...(id ? { id } : {}), approval });
          if (approval.status === 'pending') this.notifyWhenTerminal(client, approval.id, id);
          return;
        }
        case 'approval:decide': {
          const approval = await this.queue.decide(frame.approvalId, { decision: frame.decision, comment: frame.comment, by: frame.by ?? `websocket ${client.deviceId}` });
          client.send({ type: 'approval', ...(frame.id ? { id: frame.id } : {}), approval });
          return;
        }
        case 'approval:cancel': {
          const approval = await this.queue.cancel(frame.approvalId, { reason: frame.reason, by: frame.by ?? `websocket ${client.deviceId}` });
          client.send({ type: 'approval', ...(frame.id ? { id: frame.id } : {}), approval });
          return;
        }
        case 'approval:watch': {
          await this.queue.find(frame.approvalId);
          this.notifyWhenTerminal(client, frame.approvalId, frame.id);
          return;
        }
      }
    } catch (error) {
      client.send(errorFrame(error, frame.id, this.logger));
    }
  }

  private notifyWhenTerminal(client: HubClient, approvalId: string, frameId: string | undefined): void {
    const waiting = this.waiting.get(client) ?? 0;
    if (waiting >= MAX_WAITS_PER_CLIENT) {
      client.send({ type: 'error', code: 'rate_limited', message: `a connection may wait for at most ${MAX_WAITS_PER_CLIENT} approvals at once`, ...(frameId ? { id: frameId } : {}) });
      return;
    }
    this.waiting.set(client, waiting + 1);
    this.queue
      .waitFor(approvalId, undefined, closingSignal(client))
      .then((approval) => {
        if (approval.status !== 'pending') client.send({ type: 'approval', ...(frameId ? { id: frameId } : {}), approval });
      })
      .catch((error: unknown) => client.send(errorFrame(error, frameId, this.logger)))
      .finally(() => this.waiting.set(client, (this.waiting.get(client) ?? 1) - 1));
  }
}
