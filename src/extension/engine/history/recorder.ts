import type { Alert } from '../../../shared/alerts';
import type { Approval } from '../../../shared/approvals';
import type { AgentSession } from '../../../shared/sessions';
import type { Task } from '../../../shared/tasks';
import type { Logger } from '../log';
import { alertRecord, approvalRecord, sessionRecord, taskRecord } from './records';
import type { HistoryService } from './service';

type Subscribe<E> = (listener: (event: E) => void) => () => void;

export interface HistorySources {
  tasks: Subscribe<{ kind: 'upsert'; task: Task } | { kind: 'removed'; id: string }>;
  approvals: Subscribe<Approval>;
  sessions: Subscribe<AgentSession>;
  alerts: Subscribe<{ kind: 'fired' | 'dismissed'; alert: Alert }>;
}

/** Records what finishes: tasks, approvals decided, sessions ended, alerts fired. Returns the unsubscribe. */
export function recordHistory(history: HistoryService, sources: HistorySources, logger: Logger): () => void {
  const keep = (record: Parameters<HistoryService['record']>[0]) => void history.record(record).catch((error: Error) => logger.warn(`history: ${error.message}`));
  const stops = [
    sources.tasks((event) => event.kind === 'upsert' && keep(taskRecord(event.task))),
    sources.approvals((approval) => keep(approvalRecord(approval))),
    sources.sessions((session) => keep(sessionRecord(session))),
    sources.alerts((event) => event.kind === 'fired' && keep(alertRecord(event.alert))),
  ];
  return () => stops.forEach((stop) => stop());
}
