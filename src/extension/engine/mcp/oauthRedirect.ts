// The loopback door the browser comes back through after signing in to a remote MCP server:
// bound to 127.0.0.1 only, answering only GET /callback with the Host it was given, accepting only
// the state of the sign-in it was opened for, used once, and closed after a timeout.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CALLBACK_PATH = '/callback';
const LOOPBACK = '127.0.0.1';
/** The `error` code an authorization server may send back, quoted only when it looks like one. */
const OAUTH_ERROR_CODE = /^[a-z_]{1,64}$/;

export function loopbackRedirectUrl(port: number): string {
  return `http://${LOOPBACK}:${port}${CALLBACK_PATH}`;
}

/** A free loopback port for a redirect URL, chosen by the system. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, LOOPBACK, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function page(res: ServerResponse, status: number, text: string): void {
  // The request URL holds the authorization code: no referrer, no cache, nothing echoed back.
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', connection: 'close' });
  res.end(text);
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** One sign-in's callback listener; `code` settles once (the code, a refusal, or the timeout). */
export class LoopbackRedirect {
  readonly code: Promise<string>;
  private settle!: { resolve: (code: string) => void; reject: (error: Error) => void };
  private readonly server = createServer((req, res) => this.answer(req, res));
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  private constructor(
    private readonly port: number,
    private readonly expectedState: string,
    private readonly serverName: string,
  ) {
    this.code = new Promise<string>((resolve, reject) => (this.settle = { resolve, reject }));
    this.code.catch(() => undefined); // a sign-in nobody waits for any more must not surface as unhandled
  }

  static async listen(options: { port: number; state: string; timeoutMs: number; serverName: string }): Promise<LoopbackRedirect> {
    const redirect = new LoopbackRedirect(options.port, options.state, options.serverName);
    await new Promise<void>((resolve, reject) => {
      redirect.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === 'EADDRINUSE' ? `the sign-in callback port ${options.port} on ${LOOPBACK} is in use` : `cannot listen for the sign-in callback: ${error.message}`)),
      );
      redirect.server.listen(options.port, LOOPBACK, () => resolve());
    });
    redirect.timer = setTimeout(() => redirect.finish(new Error(`no sign-in came back from the browser within ${Math.round(options.timeoutMs / 1000)} s`)), options.timeoutMs);
    redirect.timer.unref();
    return redirect;
  }

  /** Stops waiting (the server was stopped or restarted). */
  cancel(): void {
    this.finish(new Error('sign-in cancelled'));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.host !== `${LOOPBACK}:${this.port}`) return page(res, 421, 'Wrong host.');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${LOOPBACK}:${this.port}`);
    } catch {
      return page(res, 400, 'Bad request.');
    }
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) return page(res, 404, 'Not found.');
    // A request without this sign-in's state is not the browser we sent: refuse it and keep waiting.
    if (!sameSecret(url.searchParams.get('state') ?? '', this.expectedState)) return page(res, 400, 'This sign-in link does not belong to the sign-in in progress.');
    const refusal = url.searchParams.get('error');
    if (refusal !== null) {
      page(res, 200, `Sign-in to the MCP server "${this.serverName}" was not completed. You can close this tab.`);
      return this.finish(new Error(`the authorization server refused the sign-in${OAUTH_ERROR_CODE.test(refusal) ? ` (${refusal})` : ''}`));
    }
    const code = url.searchParams.get('code');
    if (!code) return page(res, 400, 'The sign-in answer has no authorization code.');
    page(res, 200, `Signed in to the MCP server "${this.serverName}". You can close this tab and return to Agent Mesh.`);
    this.finish(code);
  }

  private finish(outcome: string | Error): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.server.close();
    this.server.closeIdleConnections();
    if (outcome instanceof Error) this.settle.reject(outcome);
    else this.settle.resolve(outcome);
  }
}
