// Turns a server's configuration into what is actually launched: `${workspaceFolder}`,
// `${userHome}`, `${env:NAME}` and `${input:id}` substituted, `envFile` read, `cwd` resolved.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { McpInputDefinition, McpServerConfig } from './config';

/** Supplies `${input:id}` values for a server: VS Code prompts (SecretStorage for secrets); headless reads env vars. */
export interface InputResolver {
  resolve(input: McpInputDefinition, server: McpServerConfig): Promise<string>;
}

/** `AGENT_MESH_INPUT_<ID>`: the headless way to give an input's value (`api-key` → `AGENT_MESH_INPUT_API_KEY`). */
export function inputEnvName(id: string): string {
  return `AGENT_MESH_INPUT_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function envInputResolver(env: NodeJS.ProcessEnv = process.env): InputResolver {
  return {
    async resolve(input) {
      const value = env[inputEnvName(input.id)];
      if (value !== undefined) return value;
      if (input.default !== undefined) return input.default;
      throw new Error(`input "${input.id}" has no value: set the environment variable ${inputEnvName(input.id)}`);
    },
  };
}

export interface ResolvedLaunch {
  command?: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  url?: string;
  headers: Record<string, string>;
}

export interface ResolveContext {
  workspaceDir?: string;
  env: NodeJS.ProcessEnv;
  input(definition: McpInputDefinition): Promise<string>;
}

const VARIABLE = /\$\{([^}]+)\}/g;

export async function substitute(text: string, config: McpServerConfig, ctx: ResolveContext): Promise<string> {
  let result = '';
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    result += text.slice(last, match.index) + (await valueOf(match[1], match[0], config, ctx));
    last = match.index + match[0].length;
  }
  return result + text.slice(last);
}

async function valueOf(name: string, original: string, config: McpServerConfig, ctx: ResolveContext): Promise<string> {
  if (name === 'workspaceFolder') {
    if (!ctx.workspaceDir) throw new Error('${workspaceFolder} is used but no workspace folder is open');
    return ctx.workspaceDir;
  }
  if (name === 'userHome') return os.homedir();
  if (name === 'pathSeparator') return path.sep;
  if (name.startsWith('env:')) return ctx.env[name.slice(4)] ?? '';
  if (name.startsWith('input:')) {
    const definition = config.inputs.find((i) => i.id === name.slice(6));
    if (!definition) throw new Error(`\${${name}} is not declared in "inputs"`);
    return ctx.input(definition);
  }
  return original; // unknown variables are left as written, as VS Code does
}

export async function resolveLaunch(config: McpServerConfig, ctx: ResolveContext): Promise<ResolvedLaunch> {
  const sub = (text: string) => substitute(text, config, ctx);
  const subMap = async (map: Record<string, string>) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(map)) out[key] = await sub(value);
    return out;
  };
  const base = ctx.workspaceDir ?? process.cwd();
  let env = await subMap(config.env);
  if (config.envFile) {
    const file = path.resolve(base, await sub(config.envFile));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read envFile ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    env = { ...parseEnvFile(text), ...env };
  }
  return {
    command: config.command === undefined ? undefined : await sub(config.command),
    args: await Promise.all(config.args.map(sub)),
    env,
    cwd: config.type === 'stdio' ? path.resolve(base, config.cwd ? await sub(config.cwd) : '.') : undefined,
    url: config.url === undefined ? undefined : await sub(config.url),
    headers: await subMap(config.headers),
  };
}

/** `KEY=value` lines; `#` comments, optional `export `, single or double quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    let value = match[2];
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[1] === '"' ? quoted[2].replace(/\\n/g, '\n') : quoted[2];
    else value = value.replace(/\s+#.*$/, '');
    env[match[1]] = value;
  }
  return env;
}
