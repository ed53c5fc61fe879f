// History: finished tasks, decided approvals, ended sessions and fired alerts, kept for
// `agentMesh.history.retentionDays`; what GET /api/history answers and the `history` channel carries
// (events `snapshot` { store: "file" | "redis" }, `recorded` HistoryRecord).

export const HISTORY_TYPES = ['task', 'approval', 'session', 'alert'] as const;
export type HistoryType = (typeof HISTORY_TYPES)[number];

/** The statuses each type is recorded with. */
export const HISTORY_STATUSES: Readonly<Record<HistoryType, readonly string[]>> = {
  task: ['completed', 'failed', 'cancelled', 'timeout'],
  approval: ['approved', 'rejected', 'expired', 'cancelled'],
  session: ['ended'],
  alert: ['warning', 'info'],
};

export type HistoryDetail = string | number | boolean | null;

export interface HistoryRecord {
  /** `<type>:<the source's id>`, ASCII (the source's id URI-encoded). */
  id: string;
  type: HistoryType;
  status: string;
  /** The agent it is about; empty when none (an alert about all agents). */
  agent: string;
  /** The task's or approval's title, the session's folder, the alert's message. */
  title: string;
  /** When it finished, was decided, ended or fired (ms since the epoch). */
  at: number;
  details: Record<string, HistoryDetail>;
}

export interface HistoryPage {
  records: HistoryRecord[];
  /** Pass it as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** GET /api/history/export?format=json answers this; `truncated` when more records matched than EXPORT_CAP. */
export interface HistoryExport {
  records: HistoryRecord[];
  truncated: boolean;
}

/** The `history` channel's snapshot; a dashboard counts the `recorded` events it has had since into `recorded`. */
export interface HistorySnapshot {
  store: 'file' | 'redis';
  recorded?: number;
}

export const MAX_HISTORY_PAGE = 500;
export const DEFAULT_HISTORY_PAGE = 100;
export const MAX_HISTORY_SEARCH_CHARS = 200;
/** The most records one export holds (the newest that match). */
export const HISTORY_EXPORT_CAP = 10_000;
