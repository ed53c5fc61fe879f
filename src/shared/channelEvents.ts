// The one map of what each dashboard channel carries: channel → event name → payload. The relay
// publishes through it, the webview's reducers fold through it, and every channel opens with its
// `snapshot` event. On the wire an event frame is `{ type: 'event', channel, name, payload }`.
import type { AlertsSnapshot, Alert } from './alerts';
import type { Approval, ApprovalRule, ApprovalsSnapshot } from './approvals';
import type { HistoryRecord, HistorySnapshot } from './history';
import type { HookRule } from './hooks';
import type { McpEvent, McpSnapshot } from './mcp';
import type { MeshSnapshot, MeshTransition } from './mesh';
import type { EventChannel, JsonValue, ServerFrame } from './protocol';
import type { AgentSession, SessionsSnapshot } from './sessions';
import type { Task, TasksSnapshot } from './tasks';
import type { WidgetEvent, WidgetsSnapshot } from './widgets';

/** A service's own event union, as the map's `name → payload` entries. */
type EventsOf<U extends { name: string; payload: unknown }> = { [E in U as E['name']]: E['payload'] };

// A channel without its entry here is a type error: ChannelSnapshot and ChannelEvent index this map by every EventChannel.
export interface ChannelEventMap {
  approvals: { snapshot: ApprovalsSnapshot; upsert: Approval; rules: ApprovalRule[]; 'hook-rules': HookRule[] };
  tasks: { snapshot: TasksSnapshot; upsert: Task; removed: { id: string } };
  mesh: { snapshot: MeshSnapshot; update: MeshSnapshot; transition: MeshTransition };
  mcp: { snapshot: McpSnapshot } & EventsOf<McpEvent>;
  widgets: { snapshot: WidgetsSnapshot } & EventsOf<WidgetEvent>;
  sessions: { snapshot: SessionsSnapshot; upsert: AgentSession };
  alerts: { snapshot: AlertsSnapshot; fired: Alert; dismissed: Alert };
  /** `recorded`: a record became durable (the panel asks for its page again). */
  history: { snapshot: HistorySnapshot; recorded: HistoryRecord };
}

export type ChannelSnapshot<C extends EventChannel> = ChannelEventMap[C]['snapshot'];
export type ChannelEventName<C extends EventChannel> = keyof ChannelEventMap[C] & string;

/** One event of a channel, as a union discriminated by `name`. */
export type ChannelEvent<C extends EventChannel> = {
  [N in ChannelEventName<C>]: { name: N; payload: ChannelEventMap[C][N] };
}[ChannelEventName<C>];

/** The latest copy of each channel a dashboard holds. */
export type ChannelSnapshots = { [C in EventChannel]?: ChannelSnapshot<C> };

/**
 * The wire frame of one typed event. The payloads are JSON data by construction (the domain types
 * hold only JSON values), which the type system cannot see through interfaces: this is the one
 * place the typed event becomes `JsonValue`.
 */
export function eventFrame<C extends EventChannel, N extends ChannelEventName<C>>(channel: C, name: N, payload: ChannelEventMap[C][N]): ServerFrame {
  return { type: 'event', channel, name, payload: payload as JsonValue };
}
