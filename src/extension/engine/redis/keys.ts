// Every Redis key Agent Mesh uses, in one place. Each key of a workspace carries the hash tag
// `{agent-mesh:<workspace>}`, so on a Redis Cluster they all live in one slot and every multi-key
// script, MULTI and MGET runs on one node.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const idPart = (value: string) => value.replace(/[^\w.-]+/g, '_').slice(0, 64) || '_';

/** The user part of the state keys: the setting, else the OS user name. */
export function stateUser(configured: string): string {
  if (configured) return idPart(configured);
  try {
    return idPart(os.userInfo().username);
  } catch {
    return 'user';
  }
}

/**
 * The one workspace identity every store keys its data by: the `agentMesh.state.workspaceId`
 * setting, else the folder name plus a short hash of its full path (two folders named `app` in
 * different places are two workspaces; relays on other machines meet only with the setting).
 */
export function workspaceIdentity(configured: string, workspaceDir: string | undefined): string {
  if (configured) return idPart(configured);
  if (!workspaceDir) return 'no-workspace';
  const resolved = path.resolve(workspaceDir);
  return `${idPart(path.basename(resolved))}-${createHash('sha256').update(resolved).digest('hex').slice(0, 8)}`;
}

const hashTag = (workspace: string) => `{agent-mesh:${workspace}}`;

export interface StateKeys {
  doc: string;
  version: string;
  modified: string;
  /** Pub/sub channel (not a key) on which relays announce what they wrote. */
  channel: string;
}

/** The dashboard document of one user in one workspace. */
export function stateKeys(workspace: string, user: string): StateKeys {
  const base = `${hashTag(workspace)}:state:${user}`;
  return { doc: base, version: `${base}:version`, modified: `${base}:modified`, channel: `${base}:updates` };
}

export interface ApprovalKeys {
  approvals: string;
  rules: string;
  channel: string;
  epoch: string;
}

/** The approval queue of one workspace: records, workspace rules, change channel, epoch. */
export function approvalKeys(workspace: string): ApprovalKeys {
  const tag = hashTag(workspace);
  return { approvals: `${tag}:approvals`, rules: `${tag}:approval-rules`, channel: `${tag}:approvals:changes`, epoch: `${tag}:approvals:epoch` };
}

export interface HistoryKeys {
  /** Record ids sorted by the record's time. */
  index: string;
  /** The records by id. */
  records: string;
}

/** The history of one workspace: what finished, decided, ended or fired. */
export function historyKeys(workspace: string): HistoryKeys {
  const tag = hashTag(workspace);
  return { index: `${tag}:history`, records: `${tag}:history:records` };
}

export interface SessionKeys {
  session(id: string): string;
  events(id: string): string;
  index: string;
  channel: string;
}

/** The agent sessions of one workspace: one key and one event list per session, an index, a channel. */
export function sessionKeys(workspace: string): SessionKeys {
  const tag = hashTag(workspace);
  return {
    session: (id) => `${tag}:session:${id}`,
    events: (id) => `${tag}:session-events:${id}`,
    index: `${tag}:sessions`,
    channel: `${tag}:sessions:changes`,
  };
}
