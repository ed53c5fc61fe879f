import { createHash } from 'node:crypto';
import {
  canonicalJson,
  dashboardStatePostSchema,
  type DashboardStateBody,
  type DashboardStatePostResult,
} from '../../../shared/state';
import type { JsonObject } from '../../../shared/protocol';
import { readJsonBody, sendJson, validate } from '../relay/http';
import { EngineError } from '../errors';
import type { Router } from '../relay/router';
import { StateNotSavedError, type ReplaceOutcome, type StateService } from './stateService';

/** The device id REST writes are stamped with. */
export const REST_DEVICE_ID = 'rest-api';

/**
 * DM-11.1: the whole dashboard state over HTTP.
 *
 * Conflict rule: a POST replaces the state only when its `version` is the server's current version
 * (nobody wrote since the client read). Otherwise nothing changes, the answer is 409 with
 * `success: false`, the server's version and `conflictResolution: { strategy: 'server-wins' }`
 * listing the top-level keys that differ; the client reads again and retries.
 */
export function registerStateRoutes(router: Router, state: StateService): void {
  router.add('GET', '/api/dashboard/state', (): DashboardStateBody => state.snapshot());

  router.add('POST', '/api/dashboard/state', async ({ req, res }) => {
    const body = validate(dashboardStatePostSchema, await readJsonBody(req));
    if (body.checksum) {
      const actual = createHash('sha256').update(canonicalJson(body.state)).digest('hex');
      if (actual !== body.checksum.toLowerCase()) {
        throw new EngineError('invalid', 'checksum_mismatch', `checksum ${body.checksum} does not match the state sent (sha256 of its canonical JSON is ${actual})`);
      }
    }
    const outcome = await replaceOr503(state, body.state, body.version);
    if (outcome.replaced) return { success: true, serverVersion: outcome.version } satisfies DashboardStatePostResult;
    const current = state.snapshot().state;
    const keys = new Set([...Object.keys(current), ...Object.keys(body.state)]);
    const conflictingKeys = [...keys].filter((key) => canonicalJson(current[key] ?? null) !== canonicalJson(body.state[key] ?? null)).sort();
    const answer: DashboardStatePostResult = {
      success: false,
      serverVersion: outcome.version,
      conflictResolution: { strategy: 'server-wins', clientVersion: body.version, conflictingKeys },
    };
    sendJson(res, 409, answer);
  });

  router.add('DELETE', '/api/dashboard/state', async () => {
    const outcome = await replaceOr503(state, {});
    return { success: true, serverVersion: outcome.version } satisfies DashboardStatePostResult;
  });
}

async function replaceOr503(state: StateService, replacement: JsonObject, expectedVersion?: number): Promise<ReplaceOutcome> {
  try {
    return await state.replace(replacement, REST_DEVICE_ID, expectedVersion);
  } catch (error) {
    if (error instanceof StateNotSavedError) throw new EngineError('unavailable', 'store_unavailable', error.message);
    throw error;
  }
}
