import path from 'node:path';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import type { RedisConnections } from '../redis/connections';
import { approvalKeys, workspaceIdentity } from '../redis/keys';
import type { Recoveries } from '../state/recoveries';
import { AuditLog } from './audit';
import { ApprovalQueue } from './queue';
import { RedisApprovalStore } from './redisStore';
import type { ApprovalThresholds } from './routing';
import { FileApprovalStore, type ApprovalStore } from './store';

export const APPROVALS_FILE = 'approvals.json';
export const AUDIT_FILE = 'approvals-audit.jsonl';
/** With Redis: this relay's own durable copy of what it acknowledged, to put back if Redis loses its data. */
export const REDIS_MIRROR_FILE = 'approvals-redis-mirror.json';

export function thresholdsFrom(settings: Settings): ApprovalThresholds {
  return { auto: settings['agentMesh.approvals.autoApproveThreshold'], quick: settings['agentMesh.approvals.quickThreshold'] };
}

/** The store the settings choose: Redis when `agentMesh.state.redisUrl` is set, else a file in the data folder. */
export function createApprovalStore(options: { settings: Settings; dataDir: string; workspaceDir?: string; logger: Logger; recoveries?: Recoveries; redis?: RedisConnections }): ApprovalStore {
  const fileStore = (name: string) => new FileApprovalStore(path.join(options.dataDir, name), options.logger, options.recoveries);
  return options.redis
    ? new RedisApprovalStore(options.redis, approvalKeys(workspaceIdentity(options.settings['agentMesh.state.workspaceId'], options.workspaceDir)), options.logger, fileStore(REDIS_MIRROR_FILE))
    : fileStore(APPROVALS_FILE);
}

/** The queue on `store`, auditing to the data folder; the relay token is redacted wherever an agent echoes it. */
export function createApprovalQueue(options: { settings: Settings; dataDir: string; logger: Logger; token: string; store: ApprovalStore }): ApprovalQueue {
  const secrets = [options.token];
  return new ApprovalQueue({
    store: options.store,
    audit: new AuditLog(path.join(options.dataDir, AUDIT_FILE), secrets),
    logger: options.logger,
    thresholds: thresholdsFrom(options.settings),
    secrets,
  });
}
