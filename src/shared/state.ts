// The dashboard state's HTTP contract (DM-11.1) and the frames' stamp type, shared by the relay,
// the dashboard and tests.
import * as z from 'zod';
import { jsonValueSchema, type JsonObject, type JsonValue } from './json';
import { FORBIDDEN_PATH_SEGMENTS } from './protocol';

/** Who wrote a path last, at which per-path version and time. */
export interface StateStamp {
  version: number;
  timestamp: number;
  deviceId: string;
}

/**
 * The conflict rule, the same on the relay and in every dashboard: of two writes of one path the
 * higher per-path version wins, then the later timestamp, then the larger device id. Applying the
 * same writes in any order on any replica ends with the same winner.
 */
export function wins(incoming: StateStamp, current: StateStamp | undefined): boolean {
  if (!current) return true;
  if (incoming.version !== current.version) return incoming.version > current.version;
  if (incoming.timestamp !== current.timestamp) return incoming.timestamp > current.timestamp;
  return incoming.deviceId > current.deviceId;
}

/** GET /api/dashboard/state */
export interface DashboardStateBody {
  version: number;
  state: JsonObject;
  lastModified: number;
}

function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  return Object.keys(value).some((key) => FORBIDDEN_PATH_SEGMENTS.has(key) || hasForbiddenKey((value as Record<string, unknown>)[key]));
}

/** POST /api/dashboard/state: the whole state a client last saw at `version`, with an optional checksum. */
export const dashboardStatePostSchema = z.strictObject({
  version: z.number().int().nonnegative(),
  // Checked on the raw value: a parsed copy would already have dropped a `__proto__` key.
  state: z
    .unknown()
    .refine((state) => !hasForbiddenKey(state), { message: 'keys __proto__, prototype and constructor are not allowed' })
    .pipe(z.record(z.string(), jsonValueSchema)),
  /** sha256 (hex) of `canonicalJson(state)`. */
  checksum: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be a sha256 hex digest')
    .optional(),
});
export type DashboardStatePost = z.output<typeof dashboardStatePostSchema>;

/**
 * How the relay settled a POST: only a POST made against the current version replaces the state;
 * a stale one changes nothing and the server's state stands ("server-wins").
 */
export interface ConflictResolution {
  strategy: 'server-wins';
  /** The version the client's state was based on. */
  clientVersion: number;
  /** Top-level keys whose posted value differs from the server's. */
  conflictingKeys: string[];
}

export interface DashboardStatePostResult {
  success: boolean;
  serverVersion: number;
  conflictResolution?: ConflictResolution;
}

/** JSON with object keys sorted at every level and no whitespace: the input of the checksum. */
export function canonicalJson(value: JsonValue): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}
