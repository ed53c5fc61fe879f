// What MCP tool definitions cost in a model's context. Counts with js-tiktoken; the encoder's rank
// table (megabytes) is loaded on the first count, never on activation.
import type { Tiktoken } from 'js-tiktoken/lite';
import type { ModelFamily, TokenEncodingName } from '../../../shared/mcp';

export interface ToolDefinition {
  name: string;
  description?: string;
  inputSchema: unknown;
}

/**
 * A tool definition the way function-calling APIs receive it: name, description and the JSON
 * schema of its input, serialised compactly.
 */
export function toolDefinitionText(tool: ToolDefinition): string {
  return JSON.stringify({ name: tool.name, description: tool.description ?? '', parameters: tool.inputSchema ?? {} });
}

/** The common rule of thumb (4 characters a token), for comparison with the real count. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** OpenAI models use these encodings, so their counts are exact; other families tokenize differently. */
export function isExactFor(family: ModelFamily): boolean {
  return family === 'openai';
}

export function tokenLabel(count: number, encoding: TokenEncodingName, family: ModelFamily): string {
  const n = count.toLocaleString('en-US');
  return isExactFor(family) ? `${n} tokens` : `≈${n} tokens (estimate: counted with ${encoding}; ${family} models use their own tokenizer)`;
}

const MAX_CACHED = 10_000;

export class TokenCounter {
  private readonly encoders = new Map<TokenEncodingName, Promise<Tiktoken>>();
  private readonly cache = new Map<string, number>();

  /** True once an encoder was loaded (tests and the activation bench check it stays false until used). */
  get loaded(): boolean {
    return this.encoders.size > 0;
  }

  async count(text: string, encoding: TokenEncodingName): Promise<number> {
    const key = `${encoding}\u0000${text}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const tokens = (await this.encoder(encoding)).encode(text, [], []).length;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, tokens);
    return tokens;
  }

  countTool(tool: ToolDefinition, encoding: TokenEncodingName): Promise<number> {
    return this.count(toolDefinitionText(tool), encoding);
  }

  private encoder(encoding: TokenEncodingName): Promise<Tiktoken> {
    let loading = this.encoders.get(encoding);
    if (!loading) {
      loading = loadEncoder(encoding);
      loading.catch(() => this.encoders.delete(encoding));
      this.encoders.set(encoding, loading);
    }
    return loading;
  }
}

async function loadEncoder(encoding: TokenEncodingName): Promise<Tiktoken> {
  const { Tiktoken } = await import('js-tiktoken/lite');
  const ranks = encoding === 'cl100k_base' ? (await import('js-tiktoken/ranks/cl100k_base')).default : (await import('js-tiktoken/ranks/o200k_base')).default;
  return new Tiktoken(ranks);
}
