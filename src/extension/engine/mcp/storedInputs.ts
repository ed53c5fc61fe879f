// `${input:id}` values kept between sessions (VS Code's SecretStorage), keyed by workspace, server
// and input, so that neither another workspace nor another server ever receives one; a value is sent
// to a server whose command or URL changed since, or that an earlier version kept under the bare
// input id, only once the person says so.
import type { McpInputDefinition, McpServerConfig } from './config';
import type { InputResolver } from './variables';

/** What an earlier version stored secrets under: the input id alone, for any server of any workspace. */
export const LEGACY_SECRET_PREFIX = 'agentMesh.mcp.input.';
const SECRET_PREFIX = 'agentMesh.mcp.input/';

/** SecretStorage's part we use. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export interface ReuseQuestion {
  server: string;
  /** The server's command line or URL, as configured (variables not substituted). */
  target: string;
  input: McpInputDefinition;
  /** `changed`: stored for this server when it ran something else; `legacy`: stored by an earlier version for any server. */
  reason: 'changed' | 'legacy';
}

/** The person at the keyboard. */
export interface InputPrompts {
  /** The value typed or picked; undefined when dismissed. */
  ask(input: McpInputDefinition, server: string): PromiseLike<string | undefined>;
  /** Whether to send the stored value, enter a new one, or neither (undefined). */
  confirmReuse(question: ReuseQuestion): PromiseLike<'reuse' | 'new' | undefined>;
}

interface StoredSecret {
  value: string;
  /** The command line or URL the value was given for. */
  target: string;
}

/** What a server runs or reaches: its command line, or its URL. */
export function serverTarget(config: Pick<McpServerConfig, 'type' | 'command' | 'args' | 'url'>): string {
  return config.type === 'stdio' ? [config.command ?? '', ...config.args].join(' ') : (config.url ?? '');
}

export class StoredInputResolver implements InputResolver {
  constructor(
    private readonly secrets: SecretStore,
    private readonly prompts: InputPrompts,
    /** Stable per workspace (VS Code: a hash of the workspace's URI). */
    private readonly workspaceId: string,
  ) {}

  async resolve(input: McpInputDefinition, server: McpServerConfig): Promise<string> {
    if (!input.password) return this.ask(input, server.name);
    const key = this.key(server.name, input.id);
    const target = serverTarget(server);
    const stored = parseStored(await this.secrets.get(key));
    if (stored?.target === target) return stored.value;
    const candidate = stored?.value ?? (await this.secrets.get(LEGACY_SECRET_PREFIX + input.id));
    if (candidate !== undefined) {
      const answer = await this.prompts.confirmReuse({ server: server.name, target, input, reason: stored ? 'changed' : 'legacy' });
      if (answer === undefined) throw notGiven(input);
      if (answer === 'reuse') {
        await this.keep(key, candidate, target);
        return candidate;
      }
    }
    const value = await this.ask(input, server.name);
    await this.keep(key, value, target);
    return value;
  }

  /** Keeps a secret value given for this server (an imported credential), as if the person had typed it. */
  async remember(server: string, target: string, inputId: string, value: string): Promise<void> {
    await this.keep(this.key(server, inputId), value, target);
  }

  /** Deletes the stored values of these servers' inputs, and any bare-id values of the same inputs. */
  async forget(servers: readonly McpServerConfig[]): Promise<void> {
    for (const server of servers) {
      for (const input of server.inputs) {
        await this.secrets.delete(this.key(server.name, input.id));
        await this.secrets.delete(LEGACY_SECRET_PREFIX + input.id);
      }
    }
  }

  private async ask(input: McpInputDefinition, server: string): Promise<string> {
    const value = await this.prompts.ask(input, server);
    if (value === undefined) throw notGiven(input);
    return value;
  }

  private async keep(key: string, value: string, target: string): Promise<void> {
    await this.secrets.store(key, JSON.stringify({ value, target } satisfies StoredSecret));
  }

  private key(server: string, inputId: string): string {
    return `${SECRET_PREFIX}${this.workspaceId}/${encodeURIComponent(server)}/${encodeURIComponent(inputId)}`;
  }
}

function parseStored(text: string | undefined): StoredSecret | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<StoredSecret>;
    return typeof parsed.value === 'string' && typeof parsed.target === 'string' ? { value: parsed.value, target: parsed.target } : undefined;
  } catch {
    return undefined;
  }
}

function notGiven(input: McpInputDefinition): Error {
  return new Error(`input "${input.id}" was not given (restart the server to be asked again)`);
}
