// Agents' JSONL logs as the log viewer reads them: GET /api/logs lists the logs the relay may read,
// GET /api/logs/:id/entries answers a page of one log's timeline.

/** Claude Code's transcript; the seed's `tools.jsonl` (one tool call a line) and `summary.jsonl` (one summary a line). */
export const LOG_FORMATS = ['claude-transcript', 'tools', 'summary'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_OUTCOMES = ['ok', 'error', 'unknown'] as const;
/** `unknown`: no result was found (yet) for the call, or the log does not say. */
export type LogOutcome = (typeof LOG_OUTCOMES)[number];

export interface LogSource {
  /** Issued by the relay; the only way a request names a log. */
  id: string;
  /** The file's name, with its folder for a configured log directory. */
  name: string;
  format: LogFormat;
  /** `session`: a known session's transcript; `directory`: a file under `agentMesh.logs.directories`. */
  origin: 'session' | 'directory';
  sessionId?: string;
  /** A session's transcript: the tool calls its hooks counted. Not given for a directory's file, which is not read to list it. */
  toolCalls?: number;
  size: number;
  modifiedAt: number;
}

interface EntryPlace {
  /** 1-based line number in the file. */
  line: number;
  /** Byte offset of the line's start. */
  offset: number;
  /** The line's own timestamp, as written. */
  at?: string;
}

export type LogEntry = EntryPlace &
  (
    | { kind: 'tool'; tool: string; input: string; outcome: LogOutcome; result?: string; durationMs?: number }
    | { kind: 'summary'; text: string }
    | { kind: 'malformed'; reason: 'json' | 'shape' | 'oversize'; raw: string }
  );

export interface LogPage {
  entries: LogEntry[];
  /** Where the next page starts; absent at the end of the file. Opaque to the caller. */
  nextCursor?: string;
  /** The file's size when the page was read. */
  size: number;
  /** Byte offset the page read up to (for "read N of M"). */
  readTo: number;
}
