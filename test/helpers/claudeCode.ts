// The real Claude Code CLI (installed by scripts/setup-claude-code.sh) run offline: `claude -p` in a
// project folder, its model replaced by the scripted stand-in of test/fixtures/claude-model, with no
// network but that stand-in and the relay.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export const CLAUDE = path.resolve(__dirname, '../../.cache/claude-code/node_modules/.bin/claude');
/** `agent-mesh hook` from the built bundle. */
export const HOOK_CLI = path.resolve(__dirname, '../../dist/cli.js');
const RUN_LIMIT_MS = 45_000;

export interface ClaudeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The `--output-format json` result. */
  result: { is_error: boolean; result: string; session_id: string; permission_denials: { tool_name: string; tool_input: { command?: string } }[] };
}

export interface ClaudeRunOptions {
  /** The project folder Claude works in. */
  cwd: string;
  /** Claude's HOME (its own settings, sessions and transcripts go there). */
  home: string;
  /** The scripted model's base URL. */
  modelUrl: string;
  /** Added to the environment, e.g. AGENT_MESH_TOKEN for an HTTP hook. */
  env?: Record<string, string>;
  /** Added to Claude's arguments, e.g. `--resume <session id>`. */
  args?: string[];
}

/** Claude Code's command hook that runs `agent-mesh hook claude-code`. */
export function hookCommand(timeout: number): { type: 'command'; command: string; timeout: number } {
  return { type: 'command', command: `"${process.execPath}" "${HOOK_CLI}" hook claude-code`, timeout };
}

/** `claude -p <prompt> --output-format json`; resolves with its exit code, output and parsed result. */
export async function runClaude(prompt: string, options: ClaudeRunOptions): Promise<ClaudeRun> {
  const tmp = path.join(options.home, 'tmp');
  await mkdir(tmp, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(https?_proxy|all_proxy|no_proxy|anthropic_|claude_|agent_mesh_)/i.test(key)) env[key] = value;
  Object.assign(env, {
    HOME: options.home,
    CLAUDE_CODE_TMPDIR: tmp,
    ANTHROPIC_BASE_URL: options.modelUrl,
    ANTHROPIC_API_KEY: 'test-key-not-a-secret',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    NO_PROXY: '127.0.0.1,localhost',
    ...options.env,
  });
  const child = spawn(CLAUDE, ['-p', prompt, '--output-format', 'json', ...(options.args ?? [])], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  let result: ClaudeRun['result'];
  try {
    result = JSON.parse(stdout);
  } catch {
    throw new Error(`claude exited ${code} without a JSON result\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
  return { code, stdout, stderr, result };
}
