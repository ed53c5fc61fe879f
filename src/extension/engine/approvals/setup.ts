import path from 'node:path';
import type { ApprovalThresholds } from '../../../shared/approvals';
import type { Settings } from '../config/settings';
import type { EngineOptions } from '../engine';
import { AuditLog } from './audit';
import { ApprovalQueue } from './queue';
import { RedisApprovalStore } from './redisStore';
import { FileApprovalStore, type ApprovalStore } from './store';

export const APPROVALS_FILE = 'approvals.json';
export const AUDIT_FILE = 'approvals-audit.jsonl';

export function thresholdsFrom(settings: Settings): ApprovalThresholds {
  return { auto: settings['agentMesh.approvals.autoApproveThreshold'], quick: settings['agentMesh.approvals.quickThreshold'] };
}

/**
 * Relays of the same workspace share approvals through Redis: the key is the workspace folder's
 * name, so windows (or machines) that open the same project meet under one key.
 */
export function workspaceKey(workspaceDir: string | undefined): string {
  const name = workspaceDir ? path.basename(path.resolve(workspaceDir)) : '';
  return name.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'default';
}

/** The queue on the store the settings choose: Redis when `agentMesh.state.redisUrl` is set, else a file in the data folder. */
export function createApprovalQueue(options: Pick<EngineOptions, 'settings' | 'dataDir' | 'workspaceDir' | 'logger'>): ApprovalQueue {
  const redisUrl = options.settings['agentMesh.state.redisUrl'];
  const store: ApprovalStore = redisUrl
    ? new RedisApprovalStore(redisUrl, workspaceKey(options.workspaceDir), options.logger)
    : new FileApprovalStore(path.join(options.dataDir, APPROVALS_FILE), (error) =>
        options.logger.warn(`approvals journal compaction failed (the journal keeps growing; nothing is lost): ${error.message}`),
      );
  return new ApprovalQueue({
    store,
    audit: new AuditLog(path.join(options.dataDir, AUDIT_FILE)),
    logger: options.logger,
    thresholds: thresholdsFrom(options.settings),
  });
}
