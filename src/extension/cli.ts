// `agent-mesh serve`: the engine without VS Code, for browsers on other devices, team servers and tests.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LISTENING_LINE_PREFIX } from '../shared/api';
import { readConfigFile, WORKSPACE_CONFIG_FILE } from './engine/config/configFile';
import { resolveSettings, type SettingKey, type SettingsSource } from './engine/config/settings';
import { Engine } from './engine/engine';
import { defaultUserMcpJson } from './engine/mcp/sources';
import { removeDiscovery, writeDiscovery } from './engine/hooks/discovery';
import { createJsonLogger, isLogLevel, type Logger } from './engine/log';
import { generateToken } from './engine/security/token';
import { tokenProblem } from '../shared/relayAuth';
import { HOOK_USAGE, runHookCommand } from './hookCommand';

const USAGE = `Usage: agent-mesh serve [options]

Options:
  --workspace DIR   workspace folder (default: the current folder)
  --config FILE     JSON file of agentMesh.* settings (default: DIR/agent-mesh.config.json if present)
  --host HOST       interface to bind (default 127.0.0.1)
  --port N          port, 0 picks a free one (default 0)
  --token T         relay token, at least 32 characters (default: $AGENT_MESH_TOKEN, else generated and printed once)
  --redis-url URL   share dashboard state through Redis (agentMesh.state.redisUrl), e.g. redis://127.0.0.1:6379
  --data-dir DIR    where the embedded store keeps its files (default: DIR/.agent-mesh)
  --user-mcp FILE   the user profile's mcp.json, read after the workspace's servers
                    (default: VS Code's default profile, e.g. ~/.config/Code/User/mcp.json; "" reads none)
  --log-level L     trace|debug|info|warn|error|off (default info); logs go to stderr as JSON lines
  -h, --help        show this help

${HOOK_USAGE}

Environment:
  AGENT_MESH_INPUT_<ID>  value of \${input:<id>} in .vscode/mcp.json (id upper-cased, other characters → _)`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    console.log(USAGE);
    return;
  }
  if (command === 'hook') {
    process.exitCode = await runHookCommand(rest, {
      stdin: process.stdin,
      writeStdout: (text) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve())),
      writeStderr: (text) => process.stderr.write(text),
      env: process.env,
      cwd: process.cwd(),
    });
    return;
  }
  if (command !== 'serve') throw new UsageError(`unknown command "${command}"`);

  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      workspace: { type: 'string' },
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'data-dir': { type: 'string' },
      'user-mcp': { type: 'string' },
      'redis-url': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of trace, debug, info, warn, error, off`);
  const logger = createJsonLogger((line) => process.stderr.write(line + '\n'), logLevel);

  const workspace = path.resolve(values.workspace ?? process.cwd());
  const fileSource = await loadConfig(values.config, workspace, logger.warn);
  const overrides = new Map<SettingKey, unknown>();
  if (values.host !== undefined) overrides.set('agentMesh.relay.host', values.host);
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port)) throw new UsageError(`--port must be a whole number, got "${values.port}"`);
    overrides.set('agentMesh.relay.port', Number(values.port));
  }
  if (values['redis-url'] !== undefined) overrides.set('agentMesh.state.redisUrl', values['redis-url']);
  const { settings, issues } = resolveSettings((key) => (overrides.has(key) ? overrides.get(key) : fileSource(key)));
  if (issues.length > 0) {
    throw new UsageError(issues.map((i) => `${i.key}: ${i.message}`).join('\n'));
  }

  let token = values.token ?? process.env.AGENT_MESH_TOKEN;
  const generated = token === undefined || token === '';
  if (generated) token = generateToken();
  const weakToken = tokenProblem(token!);
  if (weakToken) throw new UsageError(`${values.token === undefined ? 'AGENT_MESH_TOKEN' : '--token'}: ${weakToken}; leave it out to have one generated`);

  guardProcess(logger, token!);
  const engine = await Engine.start({
    settings,
    token: token!,
    dataDir: path.resolve(values['data-dir'] ?? path.join(workspace, '.agent-mesh')),
    extensionRoot: path.resolve(__dirname, '..'),
    workspaceDir: workspace,
    logger,
    mcp: { watchConfig: true, userConfigFile: values['user-mcp'] === undefined ? defaultUserMcpJson() : values['user-mcp'] && path.resolve(values['user-mcp']) },
  });
  // `agent-mesh hook` finds this relay through the discovery file; a relay that cannot write it still serves.
  const discovery = { url: engine.url, token: token!, workspace, pid: process.pid };
  await writeDiscovery(discovery).catch((error: Error) => logger.warn(`could not write the relay discovery file for agent hooks: ${error.message}`));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, stopping`);
    await removeDiscovery(discovery).catch(() => undefined);
    await engine.stop();
    process.exit(0);
  };
  // Before the listening line: whoever reads it may stop the relay at once, and must find the handlers.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  console.log(`${LISTENING_LINE_PREFIX}${engine.url}`);
  if (generated) console.log(`agent-mesh token ${token} (open ${engine.url}/?token=${token} in a browser)`);
}

/**
 * One stray exception or rejection must not take the relay down with every agent waiting on it:
 * log it (name and message only, never the token) and keep serving. The throws themselves are bugs
 * to fix; this is the net under them.
 */
function guardProcess(logger: Logger, token: string): void {
  const describe = (error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : `non-error value of type ${typeof error}`;
    return text.split(token).join('[token]').slice(0, 500);
  };
  process.on('uncaughtException', (error) => logger.error(`uncaught exception, relay still running: ${describe(error)}`));
  process.on('unhandledRejection', (reason) => logger.error(`unhandled rejection, relay still running: ${describe(reason)}`));
}

async function loadConfig(file: string | undefined, workspace: string, warn: (m: string) => void): Promise<SettingsSource> {
  const candidate = file ?? path.join(workspace, WORKSPACE_CONFIG_FILE);
  if (file === undefined && !existsSync(candidate)) return () => undefined;
  const { source, unknownKeys } = await readConfigFile(path.resolve(candidate));
  if (unknownKeys.length > 0) warn(`${candidate}: settings not known to this version are ignored: ${unknownKeys.join(', ')}`);
  return source;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`agent-mesh: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`agent-mesh: ${(error as Error).message}`);
  process.exit(1);
});
