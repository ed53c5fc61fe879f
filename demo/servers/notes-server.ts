/**
 * Demo MCP server over stdio: "project notes" kept in a JSON file.
 *
 *   DEMO_DATA_DIR   folder holding notes.json (default: <os tmpdir>/agent-mesh-demo)
 *
 * stdout carries the MCP protocol only; every log line goes to stderr.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

const SERVER_NAME = 'agent-mesh-demo-notes';
const SERVER_VERSION = '0.1.0';
/** JSON-RPC error code the MCP specification assigns to "resource not found". */
const RESOURCE_NOT_FOUND = -32002;

function log(message: string): void {
  process.stderr.write(`[notes-server] ${message}\n`);
}

function resolveDataDir(): string {
  const fallback = path.join(os.tmpdir(), 'agent-mesh-demo');
  const configured = process.env.DEMO_DATA_DIR?.trim();
  if (!configured) return fallback;
  if (configured.includes('${')) {
    // A host that does not expand ${workspaceFolder} in env would otherwise make us create a
    // folder literally named "${workspaceFolder}" in the current directory.
    log(`DEMO_DATA_DIR "${configured}" has an unexpanded variable; using ${fallback}`);
    return fallback;
  }
  return path.resolve(configured);
}

const dataDir = resolveDataDir();
const notesFile = path.join(dataDir, 'notes.json');

// ---------------------------------------------------------------------------------------------
// Storage

const TAG = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'tags are lowercase words: letters, digits, ".", "_" or "-"');

const NoteSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  createdAt: z.string(),
});
type Note = z.infer<typeof NoteSchema>;

const NotesFileSchema = z.object({
  version: z.literal(1),
  notes: z.array(NoteSchema),
});

const SEED_NOTES: ReadonlyArray<Omit<Note, 'id' | 'createdAt'>> = [
  {
    title: 'Release checklist',
    body: 'Bump the version, run the integration suite, package the VSIX, tag the release and write the changelog entry.',
    tags: ['release', 'process'],
  },
  {
    title: 'Mesh health thresholds',
    body: 'Agents answering in under 100 ms are healthy, under 500 ms degraded, anything slower or failing is down.',
    tags: ['mesh', 'ops'],
  },
  {
    title: 'Approval policy',
    body: 'Deleting notes, pushing to main and spending more than $5 of tokens need a human approval.',
    tags: ['approvals', 'process'],
  },
];

/**
 * The notes file is re-read before every operation and written atomically (temp file + rename),
 * so two server processes sharing one data dir (two VS Code windows) see each other's notes.
 * Mutations inside this process are serialised through `mutate`.
 */
class NotesStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async load(): Promise<Note[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.seed();
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      // Never overwrite a file we cannot read: the user may want to repair it.
      throw new Error(`${this.file} is not valid JSON (${(err as Error).message}); fix or delete it`, { cause: err });
    }
    const parsed = NotesFileSchema.safeParse(json);
    if (!parsed.success) {
      throw new Error(`${this.file} does not hold demo notes: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data.notes;
  }

  mutate<T>(change: (notes: Note[]) => { notes: Note[]; result: T }): Promise<T> {
    const run = this.queue.then(async () => {
      const { notes, result } = change(await this.load());
      await this.save(notes);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async seed(): Promise<Note[]> {
    const now = new Date().toISOString();
    const notes = SEED_NOTES.map((n) => ({ ...n, tags: [...n.tags], id: newId(), createdAt: now }));
    await this.save(notes);
    log(`seeded ${notes.length} notes in ${this.file}`);
    return notes;
  }

  private async save(notes: Note[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: 1, notes }, null, 2)}\n`, 'utf8');
    await rename(tmp, this.file);
  }
}

function newId(): string {
  return randomUUID().slice(0, 8);
}

const store = new NotesStore(notesFile);

// ---------------------------------------------------------------------------------------------
// Presentation helpers

function noteToMarkdown(note: Note): string {
  const tags = note.tags.length > 0 ? note.tags.map((t) => `#${t}`).join(' ') : '(no tags)';
  return `# ${note.title}\n\n${note.body}\n\n---\nid: ${note.id} · tags: ${tags} · created: ${note.createdAt}\n`;
}

function noteLine(note: Note): string {
  const tags = note.tags.length > 0 ? ` [${note.tags.join(', ')}]` : '';
  return `- ${note.id}: ${note.title}${tags}`;
}

function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** Wraps a tool body so storage errors come back as tool errors the model can read. */
async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    log(`tool failed: ${(err as Error).message}`);
    return toolError((err as Error).message);
  }
}

function snippet(text: string, query: string, radius = 40): string {
  const at = text.toLowerCase().indexOf(query.toLowerCase());
  if (at < 0) return text.slice(0, radius * 2);
  const start = Math.max(0, at - radius);
  const end = Math.min(text.length, at + query.length + radius);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Server

const server = new McpServer(
  { name: SERVER_NAME, version: SERVER_VERSION, title: 'Project notes (demo)' },
  {
    capabilities: { logging: {} },
    instructions:
      'Project notes for the current workspace. Use search_notes before add_note to avoid duplicates; ' +
      'read notes://all or notes://{id} for full text.',
  },
);

const NoteOut = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  createdAt: z.string(),
});

server.registerTool(
  'add_note',
  {
    title: 'Add note',
    description:
      'Create a project note with a title, a markdown body and optional tags. Returns the new note, including its id ' +
      '(use that id with delete_note or the notes://{id} resource).',
    inputSchema: {
      title: z.string().trim().min(1).max(200).describe('Short title, one line'),
      body: z.string().max(20_000).describe('Note text; markdown is fine'),
      tags: z.array(TAG).max(20).optional().describe('Optional lowercase tags, e.g. ["release", "ops"]'),
    },
    outputSchema: { note: NoteOut },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  async ({ title, body, tags }) =>
    guarded(async () => {
      const note: Note = {
        id: newId(),
        title,
        body,
        tags: [...new Set(tags ?? [])],
        createdAt: new Date().toISOString(),
      };
      await store.mutate((notes) => ({ notes: [...notes, note], result: undefined }));
      server.sendResourceListChanged();
      log(`added note ${note.id} "${note.title}"`);
      return {
        content: [{ type: 'text', text: `Added note ${note.id}: ${note.title}` }],
        structuredContent: { note },
      };
    }),
);

server.registerTool(
  'list_notes',
  {
    title: 'List notes',
    description: 'List project notes, newest first. Pass a tag to list only the notes carrying it.',
    inputSchema: {
      tag: TAG.optional().describe('Only notes with this tag'),
    },
    outputSchema: { count: z.number().int(), notes: z.array(NoteOut) },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  async ({ tag }) =>
    guarded(async () => {
      const all = await store.load();
      const notes = all.filter((n) => tag === undefined || n.tags.includes(tag)).reverse();
      const heading = tag === undefined ? `${notes.length} notes` : `${notes.length} notes tagged "${tag}"`;
      return {
        content: [{ type: 'text', text: [heading, ...notes.map(noteLine)].join('\n') }],
        structuredContent: { count: notes.length, notes },
      };
    }),
);

server.registerTool(
  'search_notes',
  {
    title: 'Search notes',
    description:
      'Case-insensitive full-text search over note titles, bodies and tags. Every word of the query must match; ' +
      'results are ranked with title matches first.',
    inputSchema: {
      query: z.string().trim().min(1).max(200).describe('Words to look for, e.g. "release checklist"'),
    },
    outputSchema: {
      count: z.number().int(),
      results: z.array(z.object({ id: z.string(), title: z.string(), score: z.number(), snippet: z.string() })),
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  async ({ query }) =>
    guarded(async () => {
      const words = query.toLowerCase().split(/\s+/).filter(Boolean);
      const results = (await store.load())
        .map((note) => {
          const title = note.title.toLowerCase();
          const body = note.body.toLowerCase();
          const tags = note.tags.join(' ');
          let score = 0;
          for (const w of words) {
            const hit = (title.includes(w) ? 3 : 0) + (tags.includes(w) ? 2 : 0) + (body.includes(w) ? 1 : 0);
            if (hit === 0) return undefined;
            score += hit;
          }
          return { id: note.id, title: note.title, score, snippet: snippet(note.body, words[0] ?? '') };
        })
        .filter((r): r is NonNullable<typeof r> => r !== undefined)
        .sort((a, b) => b.score - a.score);
      const text =
        results.length === 0
          ? `No note matches "${query}".`
          : [`${results.length} match(es) for "${query}":`, ...results.map((r) => `- ${r.id}: ${r.title} — ${r.snippet}`)].join('\n');
      return { content: [{ type: 'text', text }], structuredContent: { count: results.length, results } };
    }),
);

server.registerTool(
  'delete_note',
  {
    title: 'Delete note',
    description: 'Permanently delete the note with the given id. This cannot be undone.',
    inputSchema: {
      id: z.string().trim().min(1).max(64).describe('Id of the note, as returned by add_note or list_notes'),
    },
    outputSchema: { deleted: z.boolean(), note: NoteOut.optional() },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
  async ({ id }) =>
    guarded(async () => {
      const removed = await store.mutate((notes) => {
        const victim = notes.find((n) => n.id === id);
        return { notes: notes.filter((n) => n.id !== id), result: victim };
      });
      if (removed === undefined) {
        return {
          isError: true,
          content: [{ type: 'text', text: `No note with id "${id}". Use list_notes to see the ids.` }],
          structuredContent: { deleted: false },
        };
      }
      server.sendResourceListChanged();
      log(`deleted note ${id}`);
      return {
        content: [{ type: 'text', text: `Deleted note ${id}: ${removed.title}` }],
        structuredContent: { deleted: true, note: removed },
      };
    }),
);

server.registerResource(
  'all-notes',
  'notes://all',
  {
    title: 'All notes',
    description: 'Every project note as one JSON document',
    mimeType: 'application/json',
  },
  async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(await store.load(), null, 2) }],
  }),
);

server.registerResource(
  'note',
  new ResourceTemplate('notes://{id}', {
    list: async () => ({
      resources: (await store.load()).map((n) => ({
        uri: `notes://${n.id}`,
        name: n.title,
        title: n.title,
        description: n.tags.length > 0 ? `tags: ${n.tags.join(', ')}` : 'no tags',
        mimeType: 'text/markdown',
      })),
    }),
    complete: {
      id: async (value) => (await store.load()).map((n) => n.id).filter((id) => id.startsWith(value)),
    },
  }),
  {
    title: 'Note',
    description: 'One project note as markdown',
    mimeType: 'text/markdown',
  },
  async (uri, variables) => {
    const id = String(variables.id ?? '');
    const note = (await store.load()).find((n) => n.id === id);
    if (note === undefined) {
      // A plain Error carrying `code`: the SDK forwards code, message and data as they are, whereas
      // McpError would prefix its own "MCP error -32002:" to the message the client sees.
      throw Object.assign(new Error(`Resource ${uri.href} not found`), { code: RESOURCE_NOT_FOUND, data: { uri: uri.href } });
    }
    return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: noteToMarkdown(note) }] };
  },
);

server.registerPrompt(
  'summarize_notes',
  {
    title: 'Summarize notes',
    description: 'Ask the model for a short summary of the project notes, optionally only those with one tag.',
    argsSchema: {
      tag: completable(z.string().optional().describe('Only summarize notes with this tag'), async (value) => {
        const tags = new Set((await store.load()).flatMap((n) => n.tags));
        return [...tags].filter((t) => t.startsWith(value ?? '')).sort();
      }),
    },
  },
  async ({ tag }) => {
    const notes = (await store.load()).filter((n) => !tag || n.tags.includes(tag));
    const scope = tag ? `the project notes tagged "${tag}"` : 'all project notes';
    const listing = notes.length > 0 ? notes.map(noteToMarkdown).join('\n') : '(there are no matching notes)';
    return {
      description: `Summary of ${scope} (${notes.length} notes)`,
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Summarize ${scope} in at most five bullet points. Call out open decisions and action items, ` +
              `and cite note ids in parentheses.\n\n${listing}`,
          },
        },
      ],
    };
  },
);

// ---------------------------------------------------------------------------------------------
// Lifecycle

async function main(): Promise<void> {
  const transport = new StdioServerTransport();
  let closing = false;
  const close = async (reason: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log(`shutting down (${reason})`);
    await server.close().catch(() => undefined);
    process.exit(0);
  };
  transport.onclose = () => void close('transport closed');
  process.stdin.on('end', () => void close('stdin closed'));
  process.once('SIGINT', () => void close('SIGINT'));
  process.once('SIGTERM', () => void close('SIGTERM'));

  await server.connect(transport);
  log(`ready; notes file ${notesFile}`);
}

main().catch((err: unknown) => {
  log(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
