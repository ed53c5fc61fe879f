// Every `agentMesh.*` setting, its schema and default, in one place. The VS Code face reads them
// from the configuration; the headless face from a JSON file whose keys are the same names.
// test/unit/config.test.ts keeps package.json's `contributes.configuration` in step with this.
import * as z from 'zod';
import { MCP_CONNECTION_MODE_SETTINGS, MCP_CONNECTION_MODES, MODEL_FAMILIES, TOKEN_ENCODINGS } from '../../../shared/mcp';
import type { BudgetPeriod } from '../../../shared/costs';
import { meshAgentConfigSchema } from '../../../shared/mesh';
import { MAX_REDIS_URL_LENGTH, redisUrlProblem } from '../redis/url';

const budgetUsd = z.number().positive().max(1_000_000).optional();

export const settingSchemas = {
  'agentMesh.relay.host': z.string().min(1).regex(/^[0-9a-zA-Z.:[\]-]+$/, 'must be a host name or IP address').default('127.0.0.1'),
  'agentMesh.relay.port': z.number().int().min(0).max(65535).default(0),
  'agentMesh.relay.allowedHosts': z
    .array(z.string().regex(/^[0-9a-zA-Z.-]{1,253}$/, 'must be a host name without port'))
    .max(32)
    .default([]),
  'agentMesh.state.redisUrl': z
    .string()
    .max(MAX_REDIS_URL_LENGTH)
    .superRefine((url, context) => {
      const problem = url === '' ? undefined : redisUrlProblem(url);
      if (problem) context.addIssue({ code: 'custom', message: `must be empty or a Redis URL: ${problem}` });
    })
    .default(''),
  'agentMesh.state.ttlDays': z.number().int().min(1).max(3650).default(30),
  'agentMesh.state.user': z.string().regex(/^[\w.-]{0,64}$/, 'letters, digits, _ . - only (at most 64)').default(''),
  'agentMesh.state.workspaceId': z.string().regex(/^[\w.-]{0,64}$/, 'letters, digits, _ . - only (at most 64)').default(''),
  'agentMesh.metrics.requireAuth': z.boolean().default(true),
  'agentMesh.mcp.servers': z.record(z.string(), z.unknown()).default({}),
  'agentMesh.mcp.serverOptions': z.record(z.string(), z.unknown()).default({}),
  'agentMesh.mcp.connectTimeoutMs': z.number().int().min(100).max(600_000).default(30_000),
  'agentMesh.mcp.toolTimeoutMs': z.number().int().min(100).max(3_600_000).default(120_000),
  'agentMesh.mcp.elicitationTimeoutSeconds': z.number().int().min(1).max(86_400).default(300),
  'agentMesh.mcp.maxAttempts': z.number().int().min(1).max(20).default(5),
  'agentMesh.mcp.retryDelayMs': z.number().int().min(10).max(60_000).default(1000),
  'agentMesh.mcp.tokenBudget': z.number().int().min(0).default(20_000),
  'agentMesh.mcp.disabledTools': z.record(z.string(), z.array(z.string())).default({}),
  'agentMesh.mcp.oauthClientIds': z.record(z.string(), z.string().min(1).max(2000)).default({}),
  'agentMesh.mcp.oauthClientMetadataUrl': z.union([z.literal(''), z.url({ protocol: /^https$/ }).max(2000)]).default(''),
  'agentMesh.mcp.connectionMode': z.enum(MCP_CONNECTION_MODE_SETTINGS).default('auto'),
  'agentMesh.mcp.serverConnectionModes': z.record(z.string(), z.enum(MCP_CONNECTION_MODES)).default({}),
  'agentMesh.mcp.idleDisconnectMs': z.number().int().min(100).max(3_600_000).default(60_000),
  'agentMesh.tokens.encoding': z.enum(TOKEN_ENCODINGS).default('o200k_base'),
  'agentMesh.tokens.modelFamily': z.enum(MODEL_FAMILIES).default('openai'),
  'agentMesh.mesh.agents': z.array(meshAgentConfigSchema).max(200).default([]),
  'agentMesh.mesh.intervalSeconds': z.number().int().min(1).max(3600).default(30),
  'agentMesh.mesh.timeoutMs': z.number().int().min(50).max(120_000).default(5000),
  'agentMesh.mesh.displayNames': z.record(z.string().min(1), z.string().max(100)).default({}),
  'agentMesh.mesh.circuit.failureThreshold': z.number().int().min(1).max(100).default(3),
  'agentMesh.mesh.circuit.cooldownSeconds': z.number().int().min(1).max(3600).default(30),
  'agentMesh.mesh.historyHours': z.number().min(0.25).max(48).default(6),
  'agentMesh.approvals.autoApproveThreshold': z.number().min(0).max(101).default(85),
  'agentMesh.approvals.quickThreshold': z.number().min(0).max(101).default(60),
  'agentMesh.approvals.notifications': z.boolean().default(true),
  'agentMesh.tasks.maxActivePerAgent': z.number().int().min(1).max(1000).default(10),
  'agentMesh.tasks.followAutomatically': z.boolean().default(false),
  'agentMesh.tasks.defaultTimeoutSeconds': z.number().int().min(1).max(604_800).default(3600),
  'agentMesh.tasks.maxTimeoutSeconds': z.number().int().min(1).max(604_800).default(86_400),
  'agentMesh.tasks.staleAfterSeconds': z.number().int().min(1).max(86_400).default(600),
  'agentMesh.hooks.decisionTimeoutSeconds': z.number().int().min(1).max(3600).default(55),
  'agentMesh.hooks.onTimeout': z.enum(['ask', 'deny']).default('ask'),
  'agentMesh.hooks.sessionRetentionDays': z.number().int().min(1).max(365).default(7),
  'agentMesh.history.retentionDays': z.number().int().min(1).max(365).default(30),
  'agentMesh.costs.budgets': z
    .strictObject({ day: budgetUsd, week: budgetUsd, month: budgetUsd } satisfies Record<BudgetPeriod, unknown>)
    .default({}),
  'agentMesh.logs.directories': z.array(z.string().min(1).max(1024)).max(32).default([]),
} as const;

export type SettingKey = keyof typeof settingSchemas;
export type Settings = { [K in SettingKey]: z.output<(typeof settingSchemas)[K]> };

export const SETTING_KEYS = Object.keys(settingSchemas) as SettingKey[];

export interface ConfigIssue {
  key: string;
  message: string;
}

/** Where raw setting values come from: VS Code's configuration or a parsed JSON file. */
export type SettingsSource = (key: SettingKey) => unknown;

/**
 * Resolves every setting from a source: an absent value takes the default; an invalid one takes the
 * default too and is reported, so one bad setting never stops the engine.
 */
export function resolveSettings(source: SettingsSource): { settings: Settings; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const settings = {} as Record<SettingKey, unknown>;
  for (const key of SETTING_KEYS) {
    const schema = settingSchemas[key];
    const raw = source(key);
    const parsed = schema.safeParse(raw === null ? undefined : raw);
    if (parsed.success) {
      settings[key] = parsed.data;
    } else {
      issues.push({ key, message: parsed.error.issues.map((i) => i.message).join('; ') });
      settings[key] = schema.parse(undefined);
    }
  }
  return { settings: settings as Settings, issues };
}

export function defaultSettings(): Settings {
  return resolveSettings(() => undefined).settings;
}
