// Turns a server's configuration into what is actually launched, by VS Code's rules: its variables
// substituted, `~` expanded, and the process environment merged with `envFile` and then `env`.
import { readFile } from 'node:fs/promises';
import dotenv from 'dotenv';
import os from 'node:os';
import path from 'node:path';
import type { McpInputDefinition, McpServerConfig } from './config';
import { PREFIXED, VARIABLE } from './variableSyntax';

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
      if (input.type === 'command') throw new Error(`input "${input.id}" runs the VS Code command "${input.command}", which is not available headless: set the environment variable ${inputEnvName(input.id)}`);
      if (input.default !== undefined) return input.default;
      throw new Error(`input "${input.id}" has no value: set the environment variable ${inputEnvName(input.id)}`);
    },
  };
}

export interface ResolvedLaunch {
  command?: string;
  args: string[];
  /** Stdio: the whole environment the process gets; `undefined` marks a variable `env` removed (spawn leaves it out). */
  env: Record<string, string | undefined>;
  cwd?: string;
  url?: string;
  headers: Record<string, string>;
}

export interface ResolveContext {
  workspaceDir?: string;
  /** The environment Agent Mesh runs in: inherited by stdio servers and read by `${env:NAME}`. */
  env: NodeJS.ProcessEnv;
  input(definition: McpInputDefinition): Promise<string>;
}

async function substitute(text: string, config: McpServerConfig, ctx: ResolveContext): Promise<string> {
  let result = '';
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    result += text.slice(last, match.index) + (await valueOf(match[1], config, ctx));
    last = match.index + match[0].length;
  }
  return result + text.slice(last);
}

async function valueOf(name: string, config: McpServerConfig, ctx: ResolveContext): Promise<string> {
  const folder = () => {
    if (!ctx.workspaceDir) throw new Error(`\${${name}} is used but no workspace folder is open`);
    return ctx.workspaceDir;
  };
  if (name === 'workspaceFolder') return folder();
  if (name === 'workspaceFolderBasename') return path.basename(folder());
  if (name === 'userHome') return os.homedir();
  if (name === 'pathSeparator' || name === '/') return path.sep;
  const [, kind, argument] = PREFIXED.exec(name) ?? [];
  if (kind === 'env') return ctx.env[argument] ?? '';
  if (kind === 'workspaceFolder') {
    // Agent Mesh serves one folder; it is known by its folder name, as VS Code names folders by default.
    if (path.basename(folder()) !== argument) throw new Error(`\${${name}}: no open workspace folder is named "${argument}"`);
    return folder();
  }
  if (kind === 'input') {
    const definition = config.inputs.find((i) => i.id === argument);
    if (!definition) throw new Error(`\${${name}} is not declared in "inputs"`);
    return ctx.input(definition);
  }
  throw new Error(`\${${name}} is not a variable VS Code knows`);
}

/** VS Code's `untildify`: a leading `~` is the home folder. */
function untildify(text: string): string {
  return text.replace(/^~(?=$|\/|\\)/, os.homedir());
}

export async function resolveLaunch(config: McpServerConfig, ctx: ResolveContext): Promise<ResolvedLaunch> {
  const sub = (text: string) => substitute(text, config, ctx);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(config.headers)) headers[key] = await sub(value);
  if (config.type !== 'stdio') return { args: [], env: {}, url: config.url === undefined ? undefined : await sub(config.url), headers };
  const defaultCwd = ctx.workspaceDir ?? os.homedir();
  const env: Record<string, string | undefined> = { ...ctx.env };
  if (config.envFile) {
    const file = path.resolve(defaultCwd, untildify(await sub(config.envFile)));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read envFile ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    Object.assign(env, parseEnvFile(text));
  }
  for (const [key, raw] of Object.entries(config.env)) {
    const value = raw === null ? undefined : await sub(raw);
    // As in VS Code: `null` removes a variable, and PATH is appended to rather than replaced.
    env[key] = key.toUpperCase() === 'PATH' && value !== undefined && env[key] ? `${env[key]}${path.delimiter}${value}` : value;
  }
  return {
    command: untildify(await sub(config.command ?? '')),
    args: await Promise.all(config.args.map(async (arg) => untildify(await sub(arg)))),
    // Removed variables stay as `undefined`, so that a transport adding default variables cannot bring them back.
    env,
    cwd: path.resolve(defaultCwd, config.cwd ? untildify(await sub(config.cwd)) : '.'),
    headers,
  };
}

/**
 * An `envFile`, read as VS Code reads it (its parser follows dotenv's format): `KEY=value` or
 * `KEY: value`, `export `, `#` comments outside quotes, quotes removed, `\n` in double quotes.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(dotenv.parse(text))) if (key !== '__proto__') env[key] = value;
  return env;
}
