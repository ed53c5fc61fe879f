import path from 'node:path';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import { sessionKeys, workspaceIdentity } from '../redis/keys';
import { FileSessionStore } from './sessionFileStore';
import { RedisSessionStore } from './sessionRedisStore';
import type { SessionStore } from './sessionStore';

export const SESSIONS_FILE = 'agent-sessions.jsonl';

/** Redis when `agentMesh.state.redisUrl` is set (as approvals), else the data folder. */
export function createSessionStore(options: { settings: Settings; dataDir: string; workspaceDir?: string; logger: Logger }): SessionStore {
  const redisUrl = options.settings['agentMesh.state.redisUrl'];
  return redisUrl
    ? new RedisSessionStore(redisUrl, sessionKeys(workspaceIdentity(options.settings['agentMesh.state.workspaceId'], options.workspaceDir)), options.logger)
    : new FileSessionStore(path.join(options.dataDir, SESSIONS_FILE), options.logger);
}
