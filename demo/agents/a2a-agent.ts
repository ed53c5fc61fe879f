/**
 * Demo A2A agent (A2A protocol v1.0 via @a2a-js/sdk, JSON-RPC and HTTP+JSON bindings, v0.3 compat on).
 *
 *   --name        / AGENT_NAME        display name (default "Demo Agent")
 *   --port        / PORT              TCP port on 127.0.0.1 (default 7811)
 *   --latency-ms  / LATENCY_MS        artificial delay before every answer, card and /health included
 *   --skills      / AGENT_SKILLS      comma list, e.g. "planning,task breakdown" (default "chat")
 *   --description / AGENT_DESCRIPTION card description
 *
 * Routes: GET /.well-known/agent-card.json, POST /a2a/jsonrpc, /a2a/rest/..., GET /health.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { AGENT_CARD_PATH, type AgentCard, type AgentSkill, type Message } from '@a2a-js/sdk';
import { duplicateInterfacesForLegacy } from '@a2a-js/sdk/compat/v0_3';
import {
  DefaultRequestHandler,
  InMemoryTaskStore,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import express from 'express';
import { replyWithText } from '../lib/a2aReply';
import { installShutdown, isLoopbackHost, listen, LOOPBACK, parseMillis, parsePort, sendJson, sleep } from '../lib/service';


// ---------------------------------------------------------------------------------------------
// Configuration

interface AgentConfig {
  name: string;
  port: number;
  latencyMs: number;
  skills: string[];
  description: string;
}

function readConfig(): AgentConfig {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      port: { type: 'string' },
      'latency-ms': { type: 'string' },
      skills: { type: 'string' },
      description: { type: 'string' },
    },
    strict: true,
  });
  const name = (values.name ?? process.env.AGENT_NAME ?? 'Demo Agent').trim() || 'Demo Agent';
  const skills = (values.skills ?? process.env.AGENT_SKILLS ?? 'chat')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    name,
    port: parsePort(values.port ?? process.env.PORT, 7811, '--port'),
    latencyMs: parseMillis(values['latency-ms'] ?? process.env.LATENCY_MS, 0, '--latency-ms'),
    skills: skills.length > 0 ? skills : ['chat'],
    description:
      values.description ??
      process.env.AGENT_DESCRIPTION ??
      `${name} is a demo agent of the Agent Mesh workspace; it answers every message with a short text reply.`,
  };
}

let config: AgentConfig;
try {
  config = readConfig();
} catch (err) {
  process.stderr.write(
    `a2a-agent: ${(err as Error).message}\nusage: a2a-agent --name NAME --port N [--latency-ms MS] [--skills a,b]\n`,
  );
  process.exit(2);
}

const tag = `[agent ${config.name}]`;
const log = (message: string): void => void process.stderr.write(`${tag} ${message}\n`);
const baseUrl = `http://${LOOPBACK}:${config.port}`;
const startedAt = Date.now();
let requestsServed = 0;
let messagesAnswered = 0;

// ---------------------------------------------------------------------------------------------
// Agent card

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'skill';
}

function titleCase(text: string): string {
  return text.replace(/\b\w/g, (c) => c.toUpperCase());
}

const skills: AgentSkill[] = config.skills.map((s) => ({
  id: slug(s),
  name: titleCase(s),
  description: `${titleCase(s)} for the Agent Mesh demo (answers with a short text summary).`,
  tags: [slug(s), 'demo'],
  examples: [`${s}: release 0.2 of the extension`],
  inputModes: ['text/plain'],
  outputModes: ['text/plain'],
  securityRequirements: [],
}));

const agentCard: AgentCard = {
  name: config.name,
  description: config.description,
  // v1.0 interfaces first (preferred), plus v0.3 mirrors so older A2A clients can talk to us too.
  supportedInterfaces: duplicateInterfacesForLegacy(
    [
      { url: `${baseUrl}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url: `${baseUrl}/a2a/rest`, protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: '1.0' },
    ],
    ['JSONRPC', 'HTTP+JSON'],
  ),
  provider: { organization: 'Agent Mesh demo', url: baseUrl },
  version: '0.1.0',
  capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
  securitySchemes: {},
  securityRequirements: [],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills,
  signatures: [],
};

// ---------------------------------------------------------------------------------------------
// Behaviour

function textOf(message: Message): string {
  return message.parts
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .filter(Boolean)
    .join('\n')
    .trim();
}

/** Picks the skill the message asks for: metadata.skill, a leading "/skill", or a mentioned skill name. */
function pickSkill(text: string, metadata: Record<string, unknown> | undefined): AgentSkill | undefined {
  const wanted = typeof metadata?.skill === 'string' ? slug(metadata.skill) : undefined;
  const command = /^\/([\w-]+)/.exec(text)?.[1];
  const lower = text.toLowerCase();
  return (
    skills.find((s) => s.id === wanted) ??
    skills.find((s) => command !== undefined && s.id === slug(command)) ??
    skills.find((s) => lower.includes(s.name.toLowerCase())) ??
    skills[0]
  );
}

function reply(text: string, skill: AgentSkill | undefined): string {
  if (text === '') return `${config.name} received a message without text parts; send text/plain parts.`;
  if (/^ping\b/i.test(text)) return `pong from ${config.name}`;
  const words = text.split(/\s+/).filter(Boolean).length;
  const sentences = text.split(/[.!?]+\s|\n+/).filter((s) => s.trim() !== '').length;
  const quoted = text.length > 160 ? `${text.slice(0, 157)}…` : text;
  return `${config.name} · ${skill?.name ?? 'Chat'}: got ${words} word(s) in ${sentences} sentence(s) — "${quoted}"`;
}

class DemoExecutor implements AgentExecutor {
  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const incoming = ctx.userMessage;
    const text = textOf(incoming);
    const skill = pickSkill(text, incoming.metadata ?? ctx.request.metadata);
    messagesAnswered += 1;
    replyWithText(bus, ctx.contextId, reply(text, skill), { agent: config.name, skill: skill?.id ?? null });
  }

  async cancelTask(): Promise<void> {
    // Replies are immediate single messages: there is never a running task to cancel.
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

const requestHandler = new DefaultRequestHandler(agentCard, new InMemoryTaskStore(), new DemoExecutor());

const app = express();
app.disable('x-powered-by');
app.use(
  `/${AGENT_CARD_PATH}`,
  // Requests without an A2A-Version header get the v0.3-shaped card (the SDK's compat rule);
  // clients sending "A2A-Version: 1.0" (the SDK client does) get the v1.0 card.
  agentCardHandler({ agentCardProvider: requestHandler, legacyCompat: { enabled: true }, cache: { maxAge: 0 } }),
);
app.use(
  '/a2a/jsonrpc',
  jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication, legacyCompat: { enabled: true } }),
);
app.use(
  '/a2a/rest',
  restHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication, legacyCompat: { enabled: true } }),
);
app.use((_req, res) => sendJson(res, 404, { error: 'not found', routes: [`/${AGENT_CARD_PATH}`, '/a2a/jsonrpc', '/a2a/rest', '/health'] }));

const server = createServer((req, res) => {
  requestsServed += 1;
  void (async () => {
    if (!isLoopbackHost(req.headers.host, config.port)) {
      sendJson(res, 403, { error: 'forbidden: Host must be a loopback name for this port' });
      return;
    }
    if (config.latencyMs > 0) await sleep(config.latencyMs);
    const { pathname } = new URL(req.url ?? '/', baseUrl);
    if (pathname === '/health') {
      sendJson(res, 200, {
        status: 'ok',
        name: config.name,
        kind: 'a2a',
        version: agentCard.version,
        skills: skills.map((s) => s.id),
        latencyMs: config.latencyMs,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        requestsServed,
        messagesAnswered,
        agentCardUrl: `${baseUrl}/${AGENT_CARD_PATH}`,
      });
      return;
    }
    app(req, res);
  })().catch((err: unknown) => {
    log(`request failed: ${String(err)}`);
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.end();
  });
});

async function main(): Promise<void> {
  installShutdown(server, { name: `agent ${config.name}` });
  await listen(server, config.port);
  process.stdout.write(
    `${config.name} listening ${baseUrl} (skills: ${skills.map((s) => s.id).join(', ')}; latency ${config.latencyMs} ms)\n`,
  );
}

main().catch((err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  log(code === 'EADDRINUSE' ? `port ${config.port} on ${LOOPBACK} is already in use` : `fatal: ${String(err)}`);
  process.exit(1);
});
