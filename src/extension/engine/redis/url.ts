// The one URL setting for every Redis topology. A single server takes the standard URL ioredis
// reads; Cluster and Sentinel follow Lettuce's URI style (comma-separated hosts, the Sentinel
// master's name after `#`):
//   redis://[user:password@]host[:port][/db]            rediss://… for TLS
//   redis-cluster://[user:password@]h1:p1,h2:p2,…         rediss-cluster://… for TLS
//   redis-sentinel://[user:password@]s1:p1,s2:p2,…[/db]#master   rediss-sentinel://… for TLS
// The user and password authenticate to the data nodes (masters and replicas), never to the sentinels.

export interface RedisNode {
  host: string;
  port: number;
}

interface Credentials {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTarget =
  | { topology: 'server'; url: string; where: string }
  | ({ topology: 'cluster'; nodes: RedisNode[]; where: string } & Credentials)
  | ({ topology: 'sentinel'; sentinels: RedisNode[]; master: string; db: number; where: string } & Credentials);

export type RedisTopology = RedisTarget['topology'];

export const MAX_REDIS_URL_LENGTH = 2048;
const MAX_NODES = 32;
const SCHEME = /^(rediss?)(-cluster|-sentinel)?:\/\//;
const MASTER_NAME = /^[\w.-]{1,128}$/;

/** Reads the setting; an error names what is wrong, never the password. */
export function parseRedisUrl(text: string): { target: RedisTarget } | { error: string } {
  if (text.length > MAX_REDIS_URL_LENGTH) return { error: `longer than ${MAX_REDIS_URL_LENGTH} characters` };
  const scheme = SCHEME.exec(text);
  if (!scheme) return { error: 'must start with redis://, rediss://, redis-cluster://, rediss-cluster://, redis-sentinel:// or rediss-sentinel://' };
  const tls = scheme[1] === 'rediss';
  const rest = text.slice(scheme[0].length);
  if (!scheme[2]) return single(text, tls);

  const hashAt = rest.indexOf('#');
  const fragment = hashAt < 0 ? undefined : rest.slice(hashAt + 1);
  const beforeFragment = hashAt < 0 ? rest : rest.slice(0, hashAt);
  const slashAt = beforeFragment.indexOf('/');
  const authority = slashAt < 0 ? beforeFragment : beforeFragment.slice(0, slashAt);
  const pathPart = slashAt < 0 ? '' : beforeFragment.slice(slashAt + 1);
  const atAt = authority.lastIndexOf('@');
  const credentials = credentialsOf(atAt < 0 ? '' : authority.slice(0, atAt));
  if ('error' in credentials) return credentials;
  const isSentinel = scheme[2] === '-sentinel';
  const nodes = nodesOf(atAt < 0 ? authority : authority.slice(atAt + 1), isSentinel ? 26379 : 6379);
  if ('error' in nodes) return nodes;
  const list = nodes.nodes.map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`).join(',');

  if (!isSentinel) {
    if (pathPart || fragment !== undefined) return { error: 'a Cluster URL has no database or master name (Cluster uses database 0)' };
    return { target: { topology: 'cluster', nodes: nodes.nodes, ...credentials, tls, where: `Redis Cluster at ${list}` } };
  }
  if (fragment === undefined || !MASTER_NAME.test(fragment)) return { error: 'a Sentinel URL names its master after #, e.g. redis-sentinel://host:26379#mymaster' };
  const db = pathPart === '' ? 0 : Number(pathPart);
  if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d*$/.test(pathPart)) return { error: 'the database after / must be a number from 0 to 15' };
  return { target: { topology: 'sentinel', sentinels: nodes.nodes, master: fragment, db, ...credentials, tls, where: `Redis Sentinel "${fragment}" at ${list}` } };
}

function single(text: string, tls: boolean): { target: RedisTarget } | { error: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: 'is not a valid URL' };
  }
  if (!url.hostname) return { error: 'names no host' };
  return { target: { topology: 'server', url: text, where: `Redis at ${url.host}${tls ? ' (TLS)' : ''}` } };
}

function credentialsOf(userInfo: string): { username?: string; password?: string } | { error: string } {
  if (!userInfo) return {};
  const colonAt = userInfo.indexOf(':');
  try {
    const username = decodeURIComponent(colonAt < 0 ? userInfo : userInfo.slice(0, colonAt));
    const password = colonAt < 0 ? undefined : decodeURIComponent(userInfo.slice(colonAt + 1));
    // Like a redis:// URL: `:password@` is a password alone (the default user).
    return { ...(username ? { username } : {}), ...(password !== undefined ? { password } : {}) };
  } catch {
    return { error: 'the user or password is not correctly percent-encoded' };
  }
}

function nodesOf(hostList: string, defaultPort: number): { nodes: RedisNode[] } | { error: string } {
  const parts = hostList.split(',');
  if (parts.length > MAX_NODES) return { error: `names more than ${MAX_NODES} hosts` };
  const nodes: RedisNode[] = [];
  for (const part of parts) {
    let url: URL;
    try {
      url = new URL(`redis://${part}`);
    } catch {
      return { error: `"${part}" is not a host[:port]` };
    }
    if (!url.hostname || url.pathname || url.username || url.password) return { error: `"${part}" is not a host[:port]` };
    nodes.push({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : defaultPort });
  }
  return { nodes };
}

/** What is wrong with a Redis URL, for the settings check; undefined when it is usable. */
export function redisUrlProblem(text: string): string | undefined {
  const parsed = parseRedisUrl(text);
  return 'error' in parsed ? parsed.error : undefined;
}
