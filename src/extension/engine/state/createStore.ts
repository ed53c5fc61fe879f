import path from 'node:path';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import type { RedisConnections } from '../redis/connections';
import { FileStore } from './fileStore';
import type { Recoveries } from './recoveries';
import { stateKeys, stateUser, workspaceIdentity } from '../redis/keys';
import { RedisStore } from './redisStore';
import type { StateStore } from './store';

/** The file store, or with Redis (`agentMesh.state.redisUrl`) the Redis store mirrored in the same file. */
export function createStateStore(options: { settings: Settings; dataDir: string; workspaceDir?: string; logger: Logger; recoveries?: Recoveries; redis?: RedisConnections }): StateStore {
  const { settings } = options;
  const local = new FileStore(path.join(options.dataDir, 'dashboard-state.json'), { recoveries: options.recoveries });
  if (!options.redis) return local;
  return new RedisStore({
    connections: options.redis,
    keys: stateKeys(workspaceIdentity(settings['agentMesh.state.workspaceId'], options.workspaceDir), stateUser(settings['agentMesh.state.user'])),
    ttlSeconds: settings['agentMesh.state.ttlDays'] * 86_400,
    local,
    logger: options.logger,
  });
}
