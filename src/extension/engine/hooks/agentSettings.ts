// The change "Connect <agent> to Agent Mesh" makes to the agent's hook settings file: add (or remove)
// one hook that runs `agent-mesh hook <agent>`, keeping the person's other hooks, comments and
// formatting. The hook finds the relay through the discovery file, so no file ever holds the token.
import type { HookAgent } from '../../../shared/hooks';
import { child, nodeValue, parseJsonc, setProperty, type JsonNode } from '../mcp/jsonc';

export function hookCommandLine(agent: HookAgent): string {
  return `agent-mesh hook ${agent}`;
}

interface AgentHookLayout {
  /** Where the hook list lives in the settings object. */
  events: readonly (readonly string[])[];
  /** Top-level properties the file must have (Copilot and Cursor files carry a version). */
  header: Readonly<Record<string, unknown>>;
  entry(agent: HookAgent): Record<string, unknown>;
  /** Whether a list entry is ours; entries of the person are never touched. */
  isOurs(entry: unknown, agent: HookAgent): boolean;
  /** The entry without our hook (Claude Code groups hold several hooks), or undefined to drop it. */
  without(entry: unknown, agent: HookAgent): unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const claudeIsOurHook = (hook: unknown, agent: HookAgent) => isRecord(hook) && hook.type === 'command' && hook.command === hookCommandLine(agent);

const LAYOUTS: Record<HookAgent, AgentHookLayout> = {
  'claude-code': {
    events: [['hooks', 'PreToolUse']],
    header: {},
    entry: (agent) => ({ matcher: '*', hooks: [{ type: 'command', command: hookCommandLine(agent), timeout: 60 }] }),
    isOurs: (entry, agent) => isRecord(entry) && Array.isArray(entry.hooks) && entry.hooks.some((hook) => claudeIsOurHook(hook, agent)),
    without: (entry, agent) => {
      if (!isRecord(entry) || !Array.isArray(entry.hooks)) return entry;
      const hooks = entry.hooks.filter((hook) => !claudeIsOurHook(hook, agent));
      return hooks.length === 0 ? undefined : { ...entry, hooks };
    },
  },
  copilot: {
    events: [['hooks', 'preToolUse']],
    header: { version: 1 },
    entry: (agent) => ({ type: 'command', bash: hookCommandLine(agent), timeoutSec: 60 }),
    isOurs: (entry, agent) => isRecord(entry) && entry.bash === hookCommandLine(agent),
    without: () => undefined,
  },
  cursor: {
    // Cursor's preToolUse also fires for shell, MCP and reads; these three are the ones it decides alone.
    events: [
      ['hooks', 'beforeShellExecution'],
      ['hooks', 'beforeMCPExecution'],
      ['hooks', 'beforeReadFile'],
    ],
    header: { version: 1 },
    entry: (agent) => ({ command: hookCommandLine(agent) }),
    isOurs: (entry, agent) => isRecord(entry) && entry.command === hookCommandLine(agent),
    without: () => undefined,
  },
};

function parseSettings(text: string): JsonNode | undefined {
  if (text.trim() === '') return undefined;
  const { root, error } = parseJsonc(text);
  if (!root) throw new Error(`the file is not valid JSON (${error!.message}); fix it first`);
  if (root.type !== 'object') throw new Error('the file must contain a JSON object');
  return root;
}

function listAt(root: JsonNode | undefined, path: readonly string[]): unknown[] | undefined {
  let node = root;
  for (const key of path) node = child(node, key);
  if (!node) return undefined;
  const value = nodeValue(node);
  if (!Array.isArray(value)) throw new Error(`${path.join('.')} must be a list`);
  return value;
}

/** The settings text with our hook added; the same text when it is already there. */
export function connectAgentHooks(agent: HookAgent, text: string): string {
  const layout = LAYOUTS[agent];
  let result = text;
  for (const [key, value] of Object.entries(layout.header)) {
    if (!child(parseSettings(result), key)) result = setProperty(result, [key], value);
  }
  for (const path of layout.events) {
    const list = listAt(parseSettings(result), path) ?? [];
    if (list.some((entry) => layout.isOurs(entry, agent))) continue;
    result = setProperty(result, path, [...list, layout.entry(agent)]);
  }
  return result;
}

/** The settings text without our hook; the same text when it is not there. */
export function disconnectAgentHooks(agent: HookAgent, text: string): string {
  const layout = LAYOUTS[agent];
  let result = text;
  for (const path of layout.events) {
    const list = listAt(parseSettings(result), path);
    if (!list?.some((entry) => layout.isOurs(entry, agent))) continue;
    const kept = list.flatMap((entry) => {
      if (!layout.isOurs(entry, agent)) return [entry];
      const rest = layout.without(entry, agent);
      return rest === undefined ? [] : [rest];
    });
    result = setProperty(result, path, kept);
  }
  return result;
}
