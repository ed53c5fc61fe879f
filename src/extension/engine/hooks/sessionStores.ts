import path from 'node:path';
import { workspaceKey } from '../approvals/setup';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import { FileSessionStore } from './sessionFileStore';
import { RedisSessionStore } from './sessionRedisStore';
import type { SessionStore } from './sessionStore';

export const SESSIONS_FILE = 'agent-sessions.jsonl';

/** Redis when `agentMesh.state.redisUrl` is set (as approvals), else the data folder. */
export function createSessionStore(options: { settings: Settings; dataDir: string; workspaceDir?: string; logger: Logger }): SessionStore {
  const redisUrl = options.settings['agentMesh.state.redisUrl'];
  return redisUrl
    ? new RedisSessionStore(redisUrl, workspaceKey(options.workspaceDir), options.logger)
    : new FileSessionStore(path.join(options.dataDir, SESSIONS_FILE), options.logger);
}
