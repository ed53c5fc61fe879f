/**
 * Small helpers shared by the demo's long-running HTTP services (build-server and the A2A agents).
 * Not an entry point: esbuild inlines it into each bundle that imports it.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export const LOOPBACK = '127.0.0.1';

/** Parses a TCP port; throws a readable error for anything that is not 1..65535. */
export function parsePort(raw: string | undefined, fallback: number, label: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${label}: "${raw}" is not a TCP port (1-65535)`);
  }
  return port;
}

/** Parses a non-negative integer number of milliseconds. */
export function parseMillis(raw: string | undefined, fallback: number, label: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) {
    throw new Error(`${label}: "${raw}" is not a delay in milliseconds (0-600000)`);
  }
  return ms;
}

/**
 * DNS-rebinding guard for a service bound to loopback: a browser page on another origin can reach
 * 127.0.0.1, but it cannot make the browser send a loopback `Host` header. Requests whose Host is
 * not a loopback name for our port are refused with 403.
 */
export function isLoopbackHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  return allowed.includes(hostHeader.toLowerCase());
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Reads a request body up to `limit` bytes; rejects with an Error whose `status` is 413 when larger. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error(`request body over ${limit} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts listening on 127.0.0.1:port; rejects on EADDRINUSE and friends instead of throwing later. */
export function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, LOOPBACK, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export interface ShutdownOptions {
  /** Name used in log lines, written as "[name] ...". */
  name: string;
  /** Closes protocol-level resources (MCP sessions, open streams) before the HTTP server closes. */
  beforeClose?: () => Promise<void>;
  /** Hard deadline after which the process exits even if connections linger. */
  timeoutMs?: number;
}

/**
 * Installs SIGINT/SIGTERM handlers that close the server gracefully and exit 0.
 * When the env var DEMO_EXIT_ON_STDIN_EOF=1 is set (the launcher sets it and keeps a pipe on our
 * stdin), the service also shuts down when that pipe closes, so no orphan survives a launcher
 * that was killed with SIGKILL.
 */
export function installShutdown(server: Server, options: ShutdownOptions): (reason: string) => void {
  let closing = false;
  const shutdown = (reason: string): void => {
    if (closing) return;
    closing = true;
    process.stderr.write(`[${options.name}] shutting down (${reason})\n`);
    const deadline = setTimeout(() => {
      process.stderr.write(`[${options.name}] connections still open after ${options.timeoutMs ?? 3000} ms, exiting\n`);
      process.exit(0);
    }, options.timeoutMs ?? 3000);
    deadline.unref();
    void (async () => {
      try {
        await options.beforeClose?.();
      } catch (err) {
        process.stderr.write(`[${options.name}] error while closing sessions: ${String(err)}\n`);
      }
      server.close(() => process.exit(0));
      server.closeIdleConnections();
      // Long-lived streams (SSE) were ended by beforeClose; anything left is cut here.
      setTimeout(() => server.closeAllConnections(), 200).unref();
    })();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  if (process.env.DEMO_EXIT_ON_STDIN_EOF === '1') {
    process.stdin.on('end', () => shutdown('launcher went away'));
    process.stdin.on('error', () => shutdown('launcher went away'));
    process.stdin.resume();
  }
  return shutdown;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
