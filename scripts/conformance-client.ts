// The fleet client as the MCP conformance suite drives it: `conformance client --command "<this>"`
// appends the scenario server's URL and sets MCP_CONFORMANCE_SCENARIO. The entry configures an
// McpFleet with that one server (as an `http` entry of the settings would), waits for it to connect,
// calls every tool it lists with arguments built from the tool's input schema, and exits 0 when
// every step worked, 1 with the reason on stderr otherwise.
import { defaultSettings } from '../src/extension/engine/config/settings';
import { createJsonLogger } from '../src/extension/engine/log';
import { parseSettingsServers } from '../src/extension/engine/mcp/config';
import { McpFleet } from '../src/extension/engine/mcp/fleet';
import { mcpFleetSettings } from '../src/extension/engine/mcp/sources';
import { envInputResolver } from '../src/extension/engine/mcp/variables';

const SERVER = 'conformance';

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

function countedTools(fleet: McpFleet): Promise<void> {
  if (fleet.server(SERVER).tokensCounted) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = fleet.onEvent(() => {
      if (!fleet.server(SERVER).tokensCounted) return;
      stop();
      resolve();
    });
  });
}

async function main(): Promise<number> {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: conformance-client <server-url>\n');
    return 2;
  }
  const logger = createJsonLogger((line) => process.stderr.write(`${line}\n`), 'debug');
  const settings = mcpFleetSettings(defaultSettings());
  const fleet = new McpFleet({ settings: { ...settings, maxAttempts: 1 }, trusted: true, inputResolver: envInputResolver(), logger });
  try {
    await fleet.start(parseSettingsServers({ [SERVER]: { type: 'http', url } }));
    const server = fleet.server(SERVER);
    if (server.status !== 'connected') throw new Error(`the fleet did not connect: ${server.status}${server.error ? `: ${server.error}` : ''}`);
    // Counting the tools' tokens loads the encoder, which holds the event loop for a while on first
    // use; calling before it finished would delay the transport's own timers (sse-retry measures them).
    await countedTools(fleet);
    for (const tool of server.tools) {
      const result = await fleet.callTool(SERVER, tool.name, sampleArguments(tool.inputSchema));
      process.stdout.write(`${tool.name}: ${JSON.stringify(result)}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`conformance client (${process.env.MCP_CONFORMANCE_SCENARIO ?? 'no scenario'}): ${(error as Error).message}\n`);
    return 1;
  } finally {
    await fleet.dispose();
  }
}

void main().then((code) => process.exit(code));
