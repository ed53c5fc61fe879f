// What the fleet's MCP client offers servers: elicitation (a server's form for the person), sampling
// (a server's request to a language model, approved by the person first) and roots (the workspace
// folders). Elicitation and sampling go through the approvals queue, so they show wherever approvals
// do and are never missed; the model itself comes from the host (VS Code's language model API).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  McpError,
  type ClientCapabilities,
  type CreateMessageResult,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Approval, SamplingPreview } from '../../../shared/approvals';
import type { JsonObject } from '../../../shared/protocol';
import type { HumanInputRequest } from '../approvals/queue';
import type { Logger } from '../log';

/** Longest message, and largest requested schema (as JSON), an elicitation may bring. */
const MAX_ELICITATION_MESSAGE = 4000;
const MAX_REQUESTED_SCHEMA_BYTES = 32 * 1024;
const MAX_ELICITATION_FIELDS = 50;
/** Most messages, and most text in all of them, a sampling request may bring. */
const MAX_SAMPLING_MESSAGES = 100;
const MAX_SAMPLING_TEXT = 200_000;
/** The spec's error code for "the user rejected the sampling request". */
const USER_REJECTED = -1;

export interface SamplingRequest {
  messages: SamplingPreview['messages'];
  systemPrompt?: string;
  /** The server's model hints, most preferred first (names or name fragments). */
  modelHints: string[];
  maxTokens: number;
}

/** Calls a language model; the host provides it (VS Code: vscode.lm). */
export interface Sampler {
  sample(request: SamplingRequest, signal: AbortSignal): Promise<{ model: string; text: string; stopReason?: string }>;
}

export interface McpRoot {
  uri: string;
  name?: string;
}

/** The folders servers may work in, and when they change. */
export interface RootsSource {
  list(): McpRoot[];
  onChange(listener: () => void): () => void;
}

/** The queue calls the capabilities need (the approvals queue). */
export interface HumanInputQueue {
  ask(input: HumanInputRequest): Promise<Approval>;
  waitFor(id: string, timeoutMs?: number, signal?: AbortSignal): Promise<Approval>;
  cancel(id: string, input: { reason?: string; by?: string }): Promise<Approval>;
}

export interface ClientCapabilitiesOptions {
  queue: () => HumanInputQueue;
  logger: Logger;
  roots: RootsSource;
  /** Absent headless: sampling requests are declined with an error saying why. */
  sampler?: Sampler;
  /** How long a server's question or sampling request waits for the person. */
  timeoutMs: () => number;
}

export class McpClientCapabilities {
  readonly declared: ClientCapabilities = {
    elicitation: { form: { applyDefaults: true } },
    sampling: {},
    roots: { listChanged: true },
  };
  private readonly clients = new Set<Client>();
  private readonly stopWatchingRoots: () => void;

  constructor(private readonly options: ClientCapabilitiesOptions) {
    this.stopWatchingRoots = options.roots.onChange(() => this.rootsChanged());
  }

  /** Answers the server's elicitation, sampling and roots requests on this client (call before connecting). */
  install(client: Client, server: string): void {
    client.setRequestHandler(ElicitRequestSchema, (request, extra) => this.elicit(server, request, extra.signal));
    client.setRequestHandler(CreateMessageRequestSchema, (request, extra) => this.sample(server, request, extra.signal));
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: this.options.roots.list() }));
    this.clients.add(client);
    const onclose = client.onclose;
    client.onclose = () => {
      this.clients.delete(client);
      onclose?.();
    };
  }

  dispose(): void {
    this.stopWatchingRoots();
    this.clients.clear();
  }

  private rootsChanged(): void {
    for (const client of this.clients) {
      client.sendRootsListChanged().catch((error: Error) => this.options.logger.warn(`could not tell an MCP server the workspace folders changed: ${error.message}`));
    }
  }

  private async elicit(server: string, request: unknown, signal: AbortSignal): Promise<ElicitResult> {
    // Parsed again here (the SDK hands the raw request on): the stored schema keeps only the keys the spec defines.
    const parsed = ElicitRequestSchema.safeParse(request);
    if (!parsed.success || parsed.data.params.mode === 'url') throw new McpError(ErrorCode.InvalidParams, 'only form-mode elicitation is supported');
    const { message, requestedSchema } = parsed.data.params as { message: string; requestedSchema: JsonObject & { properties: object } };
    if (message.length > MAX_ELICITATION_MESSAGE) throw new McpError(ErrorCode.InvalidParams, `the elicitation message is longer than ${MAX_ELICITATION_MESSAGE} characters`);
    if (Object.keys(requestedSchema.properties).length > MAX_ELICITATION_FIELDS || JSON.stringify(requestedSchema).length > MAX_REQUESTED_SCHEMA_BYTES) {
      throw new McpError(ErrorCode.InvalidParams, `the requested schema is larger than ${MAX_ELICITATION_FIELDS} fields or ${MAX_REQUESTED_SCHEMA_BYTES} bytes`);
    }
    const settled = await this.askAndWait(server, { kind: 'elicitation', title: firstLine(message), elicitation: { server, message, requestedSchema } }, signal);
    switch (settled.status) {
      case 'approved':
        return { action: 'accept', content: settled.content ?? {} };
      case 'rejected':
        return { action: 'decline' };
      default:
        return { action: 'cancel' }; // cancelled, expired, or still pending when the relay shut down
    }
  }

  private async sample(server: string, request: unknown, signal: AbortSignal): Promise<CreateMessageResult> {
    const sampler = this.options.sampler;
    if (!sampler) {
      throw new McpError(ErrorCode.InvalidRequest, 'sampling declined: agent-mesh serve has no language model (sampling works when the relay runs inside VS Code)');
    }
    const parsed = CreateMessageRequestSchema.safeParse(request);
    if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, 'invalid sampling request');
    const { params } = parsed.data;
    if (params.messages.length > MAX_SAMPLING_MESSAGES) throw new McpError(ErrorCode.InvalidParams, `a sampling request may carry at most ${MAX_SAMPLING_MESSAGES} messages`);
    const messages = params.messages.map((m) => ({ role: m.role, text: messageText(m.content) }));
    if (messages.reduce((sum, m) => sum + m.text.length, params.systemPrompt?.length ?? 0) > MAX_SAMPLING_TEXT) {
      throw new McpError(ErrorCode.InvalidParams, `a sampling request may carry at most ${MAX_SAMPLING_TEXT} characters of text`);
    }
    const modelHints = (params.modelPreferences?.hints ?? []).flatMap((h) => (h.name ? [h.name] : []));
    const preview: SamplingPreview = {
      server,
      model: modelHints.length > 0 ? modelHints.join(', ') : 'any model',
      ...(params.systemPrompt ? { systemPrompt: params.systemPrompt } : {}),
      messages,
      maxTokens: params.maxTokens,
    };
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const settled = await this.askAndWait(server, { kind: 'sampling', title: `Use a language model: ${firstLine(lastUser?.text ?? 'no prompt')}`, sampling: preview }, signal);
    if (settled.status !== 'approved') throw new McpError(USER_REJECTED, `the person did not approve the sampling request (${settled.status})`);
    const answer = await sampler.sample({ messages, ...(params.systemPrompt ? { systemPrompt: params.systemPrompt } : {}), modelHints, maxTokens: params.maxTokens }, signal);
    return { role: 'assistant', content: { type: 'text', text: answer.text }, model: answer.model, ...(answer.stopReason ? { stopReason: answer.stopReason } : {}) };
  }

  /** Queues the request and waits for the person; a server that withdraws its request cancels the item. */
  private async askAndWait(server: string, input: Omit<HumanInputRequest, 'agent' | 'timeoutMs'>, signal: AbortSignal): Promise<Approval> {
    const queue = this.options.queue();
    let item: Approval;
    try {
      item = await queue.ask({ ...input, agent: `MCP server ${server}`, timeoutMs: this.options.timeoutMs() });
    } catch (error) {
      throw new McpError(ErrorCode.InternalError, `the request could not be queued for the person: ${(error as Error).message}`);
    }
    const settled = await queue.waitFor(item.id, undefined, signal);
    if (settled.status === 'pending' && signal.aborted) {
      await queue.cancel(item.id, { reason: 'the server withdrew the request', by: `MCP server ${server}` }).catch(() => undefined);
    }
    return settled;
  }
}

/** Headless: the workspace folder, which does not change while the relay runs. */
export function workspaceRoots(workspaceDir: string | undefined): RootsSource {
  const roots = workspaceDir ? [{ uri: pathToFileURL(path.resolve(workspaceDir)).href, name: path.basename(path.resolve(workspaceDir)) }] : [];
  return { list: () => roots, onChange: () => () => undefined };
}

function messageText(content: unknown): string {
  const blocks = (Array.isArray(content) ? content : [content]) as Array<{ type?: string; text?: string; mimeType?: string }>;
  return blocks.map((b) => (b.type === 'text' ? (b.text ?? '') : `[${b.type ?? 'content'}${b.mimeType ? ` ${b.mimeType}` : ''}]`)).join('\n');
}

function firstLine(text: string): string {
  const line = text.trim().split('\n', 1)[0];
  return line.length > 150 ? `${line.slice(0, 149)}…` : line || '(no message)';
}
