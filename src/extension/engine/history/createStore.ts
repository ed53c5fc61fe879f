import path from 'node:path';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import type { RedisConnections } from '../redis/connections';
import { historyKeys, workspaceIdentity } from '../redis/keys';
import type { Recoveries } from '../state/recoveries';
import { FileHistoryStore } from './fileStore';
import { RedisHistoryStore } from './redisStore';
import type { HistoryStore } from './store';

export const HISTORY_FILE = 'history.jsonl';

/** Redis when `agentMesh.state.redisUrl` is set (as approvals and sessions), else the data folder. */
export function createHistoryStore(options: { settings: Settings; dataDir: string; workspaceDir?: string; logger: Logger; recoveries?: Recoveries; redis?: RedisConnections }): HistoryStore {
  return options.redis
    ? new RedisHistoryStore(options.redis, historyKeys(workspaceIdentity(options.settings['agentMesh.state.workspaceId'], options.workspaceDir)), options.logger)
    : new FileHistoryStore(path.join(options.dataDir, HISTORY_FILE), options.logger, options.recoveries);
}
