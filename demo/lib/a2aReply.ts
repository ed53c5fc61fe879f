/**
 * The one-message A2A answer shared by the demo agents and the mesh tests' fixture agents.
 * Not an entry point: esbuild inlines it into each bundle that imports it.
 */
import { randomUUID } from 'node:crypto';
import { Role, type Message } from '@a2a-js/sdk';
import { AgentEvent, type ExecutionEventBus } from '@a2a-js/sdk/server';

/** Publishes one plain-text agent message in `contextId` (no task) and ends the exchange. */
export function replyWithText(bus: ExecutionEventBus, contextId: string, text: string, metadata: Message['metadata']): void {
  bus.publish(
    AgentEvent.message({
      messageId: randomUUID(),
      contextId,
      taskId: '',
      role: Role.ROLE_AGENT,
      parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
      metadata,
      extensions: [],
      referenceTaskIds: [],
    }),
  );
  bus.finished();
}
