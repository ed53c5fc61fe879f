// The fleet client as the MCP conformance suite drives it: `conformance client --command "<this>"`
// appends the scenario server's URL and sets MCP_CONFORMANCE_SCENARIO (and MCP_CONFORMANCE_CONTEXT
// with pre-registered credentials where a scenario has them). The entry configures an McpFleet with
// that one server (as an `http` entry of the settings would) and the product's own sign-in, approvals
// queue and client capabilities, waits for it to connect, calls every tool it lists with arguments
// built from the tool's input schema, and exits 0 when every step worked, 1 with the reason on
// stderr otherwise. Two stand-ins play the people the product waits for: a browser that follows the
// authorization address (the suite's authorization servers approve without a login page), and a
// person who accepts each server question in the approvals queue as sent, as the dashboard's Accept
// does, leaving the form's defaults to the product.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { createApprovalQueue, createApprovalStore } from '../src/extension/engine/approvals/setup';
import { defaultSettings, type Settings } from '../src/extension/engine/config/settings';
import { parseJsonAs } from '../src/extension/engine/jsonText';
import { createJsonLogger, type Logger } from '../src/extension/engine/log';
import { McpClientCapabilities, workspaceRoots } from '../src/extension/engine/mcp/clientCapabilities';
import { parseSettingsServers } from '../src/extension/engine/mcp/config';
import { McpFleet } from '../src/extension/engine/mcp/fleet';
import { McpOAuth } from '../src/extension/engine/mcp/oauth';
import { FileSecretStore } from '../src/extension/engine/mcp/oauthTokens';
import { mcpFleetSettings } from '../src/extension/engine/mcp/sources';
import { envInputResolver } from '../src/extension/engine/mcp/variables';
import type { McpServerInfo } from '../src/shared/mcp';
import { generateToken } from '../src/extension/engine/security/token';

const SERVER = 'conformance';
/** The client ID metadata document address the suite's CIMD scenario expects a client to be configured with. */
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';
const MAX_BROWSER_REDIRECTS = 10;
/** How often a tool call is tried again after the server asked for a new sign-in (a person's retry). */
const MAX_SIGN_IN_RETRIES = 2;
const ContextSchema = z.looseObject({ client_id: z.string().optional(), client_secret: z.string().optional() });

/** A value of the JSON Schema type: the suite's tools only check that the call arrives with typed arguments. */
function sampleValue(schema: unknown): unknown {
  const type = (schema as { type?: unknown } | undefined)?.type;
  const enumValues = (schema as { enum?: unknown[] } | undefined)?.enum;
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  switch (type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return 'conformance';
  }
}

function sampleArguments(inputSchema: Record<string, unknown>): Record<string, unknown> {
  const properties = (inputSchema.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(inputSchema.required) ? (inputSchema.required as string[]) : [];
  return Object.fromEntries(required.map((name) => [name, sampleValue(properties[name])]));
}

/** Plays the browser: follows the authorization address's redirects until the loopback callback answers. */
async function followAsBrowser(address: URL, logger: Logger): Promise<void> {
  let next = address;
  for (let hop = 0; hop < MAX_BROWSER_REDIRECTS; hop++) {
    const answer = await fetch(next, { redirect: 'manual' });
    const location = answer.headers.get('location');
    if (answer.status < 300 || answer.status >= 400 || !location) {
      if (!answer.ok) logger.error(`the browser stopped at ${next.origin}${next.pathname}: HTTP ${answer.status}`);
      return;
    }
    next = new URL(location, next);
  }
  logger.error(`the browser gave up after ${MAX_BROWSER_REDIRECTS} redirects`);
}

/** Resolves once `holds` is true of the server, checked now and at each fleet event. */
function until(fleet: McpFleet, holds: (server: McpServerInfo) => boolean): Promise<void> {
  if (holds(fleet.server(SERVER))) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = fleet.onEvent(() => {
      if (!holds(fleet.server(SERVER))) return;
      stop();
      resolve();
    });
  });
}

/** Connected, or failed for good (not while it waits for the browser). */
function connectedOrFailed(server: McpServerInfo): boolean {
  if (server.status === 'connected') return true;
  return server.status !== 'connecting' && server.retryAt === undefined && !server.error?.startsWith('sign-in required');
}

/** Calls the tool; when the call sent the person to sign in (step-up), waits for the sign-in and calls again. */
async function callAfterSignIns(fleet: McpFleet, tool: string, args: Record<string, unknown>): Promise<unknown> {
  for (let retry = 0; ; retry++) {
    try {
      return await fleet.callTool(SERVER, tool, args);
    } catch (error) {
      if (retry >= MAX_SIGN_IN_RETRIES || !fleet.server(SERVER).error?.startsWith('sign-in required')) throw error;
      await until(fleet, connectedOrFailed);
    }
  }
}

async function main(): Promise<number> {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: conformance-client <server-url>\n');
    return 2;
  }
  const logger = createJsonLogger((line) => process.stderr.write(`${line}\n`), 'debug');
  const context = parseJsonAs(ContextSchema, process.env.MCP_CONFORMANCE_CONTEXT ?? '{}', 64 * 1024) ?? {};
  const settings: Settings = {
    ...defaultSettings(),
    'agentMesh.mcp.oauthClientIds': context.client_id ? { [SERVER]: context.client_id } : {},
    'agentMesh.mcp.oauthClientMetadataUrl': CLIENT_METADATA_URL,
  };
  const dataDir = await mkdtemp(path.join(tmpdir(), 'agent-mesh-conformance-'));
  const secrets = new FileSecretStore(path.join(dataDir, 'mcp-oauth.json'));
  const oauth = new McpOAuth({
    secrets,
    logger,
    openBrowser: (_server, address) => void followAsBrowser(address, logger).catch((error: Error) => logger.error(`the browser failed: ${error.message}`)),
    clientIds: () => settings['agentMesh.mcp.oauthClientIds'],
    clientMetadataUrl: () => settings['agentMesh.mcp.oauthClientMetadataUrl'],
  });
  if (context.client_id && context.client_secret) await oauth.setClientSecret(SERVER, context.client_secret);
  const approvals = createApprovalQueue({ settings, dataDir, logger, token: generateToken(), store: createApprovalStore({ settings, dataDir, logger }) });
  await approvals.load();
  approvals.onChange((item) => {
    if (item.kind !== 'elicitation' || item.status !== 'pending') return;
    approvals.answer(item.id, { action: 'accept', by: 'conformance' }).catch((error: Error) => logger.error(`answering the server's question failed: ${error.message}`));
  });
  const capabilities = new McpClientCapabilities({
    queue: () => approvals,
    logger,
    roots: workspaceRoots(undefined),
    timeoutMs: () => settings['agentMesh.mcp.elicitationTimeoutSeconds'] * 1000,
  });
  const fleet = new McpFleet({ settings: { ...mcpFleetSettings(settings), maxAttempts: 1 }, trusted: true, inputResolver: envInputResolver(), logger, oauth, clientCapabilities: capabilities });
  try {
    await fleet.start(parseSettingsServers({ [SERVER]: { type: 'http', url } }));
    await until(fleet, connectedOrFailed);
    const server = fleet.server(SERVER);
    if (server.status !== 'connected') throw new Error(`the fleet did not connect: ${server.status}${server.error ? `: ${server.error}` : ''}`);
    // Counting the tools' tokens loads the encoder, which holds the event loop for a while on first
    // use; calling before it finished would delay the transport's own timers (sse-retry measures them).
    await until(fleet, (s) => s.tokensCounted);
    for (const tool of server.tools) {
      const result = await callAfterSignIns(fleet, tool.name, sampleArguments(tool.inputSchema));
      process.stdout.write(`${tool.name}: ${JSON.stringify(result)}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`conformance client (${process.env.MCP_CONFORMANCE_SCENARIO ?? 'no scenario'}): ${(error as Error).message}\n`);
    return 1;
  } finally {
    await fleet.dispose();
    capabilities.dispose();
    await approvals.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
