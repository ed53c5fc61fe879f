/**
 * The engine's logger. VS Code's LogOutputChannel satisfies it directly; headless, a JSON-lines
 * logger on stderr does. Never pass a token to it.
 */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'off'] as const;
export type LogLevel = (typeof LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LEVELS as readonly string[]).includes(value);
}

/** Structured JSON lines: `{"t":"…","level":"info","msg":"…","args":[…]}`. */
export function createJsonLogger(write: (line: string) => void, minLevel: LogLevel = 'info', scope?: string): Logger {
  const min = LEVELS.indexOf(minLevel);
  const emit = (level: LogLevel, message: string | Error, args: unknown[]) => {
    if (LEVELS.indexOf(level) < min) return;
    const msg = message instanceof Error ? message.message : message;
    const entry: Record<string, unknown> = { t: new Date().toISOString(), level, msg };
    if (scope) entry.scope = scope;
    if (args.length > 0) entry.args = args.map((a) => (a instanceof Error ? a.message : a));
    write(JSON.stringify(entry));
  };
  return {
    trace: (m, ...a) => emit('trace', m, a),
    debug: (m, ...a) => emit('debug', m, a),
    info: (m, ...a) => emit('info', m, a),
    warn: (m, ...a) => emit('warn', m, a),
    error: (m, ...a) => emit('error', m, a),
  };
}

export const silentLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
