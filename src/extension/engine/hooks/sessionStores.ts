import path from 'node:path';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import type { RedisConnections } from '../redis/connections';
import { sessionKeys, workspaceIdentity } from '../redis/keys';
import { FileSessionStore } from './sessionFileStore';
import { RedisSessionStore } from './sessionRedisStore';
import type { SessionStore } from './sessionStore';

export const SESSIONS_FILE = 'agent-sessions.jsonl';

/** Redis when `agentMesh.state.redisUrl` is set (as approvals), else the data folder. */
export function createSessionStore(options: { settings: Settings; dataDir: string; workspaceDir?: string; logger: Logger; redis?: RedisConnections }): SessionStore {
  return options.redis
    ? new RedisSessionStore(options.redis, sessionKeys(workspaceIdentity(options.settings['agentMesh.state.workspaceId'], options.workspaceDir)), options.logger)
    : new FileSessionStore(path.join(options.dataDir, SESSIONS_FILE), options.logger);
}
