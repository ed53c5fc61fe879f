import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { HttpError } from './http';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

interface HostPort {
  /** Lower-cased; IPv6 addresses keep their brackets. */
  hostname: string;
  port: number | undefined;
}

/** `host[:port]` as in a Host header; undefined for anything else. */
export function parseHostHeader(value: string): HostPort | undefined {
  const match = /^(\[[0-9a-fA-F:.]{2,45}\]|[^\s[\]:/@]{1,253})(?::(\d{1,5}))?$/.exec(value);
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { hostname: match[1].toLowerCase(), port };
}

const isIpLiteral = (hostname: string) => isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;

/**
 * Who may knock on the relay's doors. A Host that is neither an IP address, `localhost` nor the
 * configured relay host is a DNS-rebinding attempt (a name the attacker controls pointed at this
 * machine). A browser Origin must be the relay itself: the origin the request was addressed to (so
 * a path proxy such as code-server's /proxy/PORT/ works), a loopback name on the relay's port, or a
 * VS Code webview. Requests without Origin (agents, curl) are not from a web page and pass.
 */
export class OriginPolicy {
  private readonly hostnames = new Set(['localhost']);

  /** `configuredHosts`: the relay's bind host and the names it is reached under (a reverse proxy's, a port forward's). */
  constructor(
    configuredHosts: string[],
    private readonly listeningPort: () => number | undefined,
  ) {
    for (const host of configuredHosts) this.allowHostname(host);
  }

  allowHostname(host: string): void {
    const parsed = parseHostHeader(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
    if (parsed) this.hostnames.add(parsed.hostname);
  }

  /** The refusal for this request, or undefined when it may go on. */
  check(req: IncomingMessage): HttpError | undefined {
    const host = typeof req.headers.host === 'string' ? parseHostHeader(req.headers.host) : undefined;
    if (!host || !(isIpLiteral(host.hostname) || this.hostnames.has(host.hostname))) {
      return new HttpError(421, 'wrong_host', 'this relay does not answer to that host name');
    }
    const origin = req.headers.origin;
    if (origin === undefined || this.isOwnOrigin(origin, host)) return undefined;
    return new HttpError(403, 'foreign_origin', 'requests from other web pages are refused');
  }

  private isOwnOrigin(value: string, host: HostPort): boolean {
    let origin: URL;
    try {
      origin = new URL(value);
    } catch {
      return false;
    }
    if (origin.protocol === 'vscode-webview:') return true;
    if (origin.protocol !== 'http:' && origin.protocol !== 'https:') return false;
    const originPort = origin.port === '' ? (origin.protocol === 'https:' ? 443 : 80) : Number(origin.port);
    const hostname = origin.hostname.toLowerCase();
    const addressed = hostname === host.hostname && originPort === (host.port ?? originPort);
    const loopbackOnOurPort = LOOPBACK_NAMES.has(hostname) && originPort === this.listeningPort();
    return addressed || loopbackOnOurPort;
  }
}
