import { strict as assert } from 'node:assert';
import { linkSync } from 'node:fs';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatOf, MAX_LINE_BYTES, MAX_RAW_CHARS, readLogPage, type PageRequest } from '../../src/extension/engine/logs/reader';
import type { LogEntry, LogFormat, LogPage } from '../../src/shared/logs';

const json = (value: unknown): string => `${JSON.stringify(value)}\n`;
const toolUse = (id: string, name: string, input: unknown, timestamp = '2026-11-30T10:00:00.000Z') =>
  json({ type: 'assistant', timestamp, message: { id: `msg-${id}`, role: 'assistant', content: [{ type: 'text', text: 'let me look' }, { type: 'tool_use', id, name, input }] } });
const toolResult = (id: string, content: unknown, isError = false) =>
  json({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, is_error: isError }] } });

describe('agent log reader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-logs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function file(name: string, text: string): Promise<string> {
    const target = path.join(dir, name);
    await writeFile(target, text);
    return target;
  }

  async function allPages(target: string, format: LogFormat, request: Omit<PageRequest, 'cursor'>): Promise<{ entries: LogEntry[]; pages: LogPage[] }> {
    const pages: LogPage[] = [];
    let cursor: string | undefined;
    do {
      const page = await readLogPage(target, format, { ...request, cursor });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 10_000);
    return { entries: pages.flatMap((p) => p.entries), pages };
  }

  it('knows the format from the file name', () => {
    assert.equal(formatOf('/x/tools.jsonl'), 'tools');
    assert.equal(formatOf('/x/agent-1.summary.jsonl'), 'summary');
    assert.equal(formatOf('/x/5b1e.jsonl'), 'claude-transcript');
  });

  it('pairs each Claude Code tool_use with its tool_result by id, even when the result is on a later page', async () => {
    const target = await file(
      's.jsonl',
      json({ type: 'user', message: { role: 'user', content: 'fix the test' } }) +
        toolUse('t1', 'Read', { file_path: 'README.md' }) +
        toolUse('t2', 'Bash', { command: 'npm test' }, '2026-11-30T10:00:05.000Z') +
        toolResult('t1', 'the readme') +
        toolResult('t2', [{ type: 'text', text: 'exit 1' }], true) +
        toolUse('t3', 'Edit', { file_path: 'a.ts' }),
    );
    const first = await readLogPage(target, 'claude-transcript', { limit: 1 });
    assert.deepEqual(first.entries, [{ kind: 'tool', line: 2, offset: first.entries[0].offset, at: '2026-11-30T10:00:00.000Z', tool: 'Read', input: '{"file_path":"README.md"}', outcome: 'ok', result: 'the readme' }]);
    const rest = await readLogPage(target, 'claude-transcript', { limit: 10, cursor: first.nextCursor });
    assert.deepEqual(
      rest.entries.map((e) => e.kind === 'tool' && [e.line, e.tool, e.outcome, e.result]),
      [
        [3, 'Bash', 'error', 'exit 1'],
        [6, 'Edit', 'unknown', undefined],
      ],
    );
    assert.equal(rest.nextCursor, undefined);
  });

  it('reads the seed tools.jsonl and summary.jsonl fields', async () => {
    const tools = await file(
      'tools.jsonl',
      json({ timestamp: '2026-11-30T10:00:00Z', tool: 'run_migration', input: { table: 'events' }, output: 'migrated 120 rows', success: true, duration_ms: 840 }) +
        json({ timestamp: '2026-11-30T10:01:00Z', tool: 'verify', input: { table: 'events' }, error: 'checksum mismatch', success: false }) +
        json({ tool: 'notify', args: { to: 'ops' } }),
    );
    const page = await readLogPage(tools, 'tools', { limit: 10 });
    assert.deepEqual(page.entries, [
      { kind: 'tool', line: 1, offset: 0, at: '2026-11-30T10:00:00Z', tool: 'run_migration', input: '{"table":"events"}', outcome: 'ok', result: 'migrated 120 rows', durationMs: 840 },
      { kind: 'tool', line: 2, offset: page.entries[1].offset, at: '2026-11-30T10:01:00Z', tool: 'verify', input: '{"table":"events"}', outcome: 'error', result: 'checksum mismatch' },
      { kind: 'tool', line: 3, offset: page.entries[2].offset, tool: 'notify', input: '{"to":"ops"}', outcome: 'unknown' },
    ]);
    const summaries = await file('summary.jsonl', json({ timestamp: '2026-11-30T10:02:00Z', summary: 'Migrated events; verification failed.' }));
    assert.deepEqual((await readLogPage(summaries, 'summary', { limit: 10 })).entries, [
      { kind: 'summary', line: 1, offset: 0, at: '2026-11-30T10:02:00Z', text: 'Migrated events; verification failed.' },
    ]);
  });

  it('shows malformed lines with their line number and a bounded excerpt, never dropping them', async () => {
    const garbage = `{"tool": "cut off ${'x'.repeat(5000)}`;
    const target = await file('tools.jsonl', json({ tool: 'a' }) + `${garbage}\n` + json({ no_tool: true }) + json([1, 2]) + json({ tool: 'b' }));
    const { entries } = await allPages(target, 'tools', { limit: 2 });
    assert.deepEqual(
      entries.map((e) => [e.line, e.kind, e.kind === 'malformed' ? e.reason : e.kind === 'tool' ? e.tool : '']),
      [
        [1, 'tool', 'a'],
        [2, 'malformed', 'json'],
        [3, 'malformed', 'shape'],
        [4, 'malformed', 'shape'],
        [5, 'tool', 'b'],
      ],
    );
    const cut = entries[1] as Extract<LogEntry, { kind: 'malformed' }>;
    assert.ok(cut.raw.startsWith('{"tool": "cut off xxx') && cut.raw.length <= MAX_RAW_CHARS + 40, `${cut.raw.length}`);
  });

  it('reports a line longer than the bound as oversize, truncated, and goes on after it', async () => {
    const huge = json({ tool: 'big', input: 'y'.repeat(MAX_LINE_BYTES * 3) });
    const target = await file('tools.jsonl', json({ tool: 'before' }) + huge + json({ tool: 'after' }));
    const { entries } = await allPages(target, 'tools', { limit: 50 });
    assert.deepEqual(
      entries.map((e) => [e.line, e.kind === 'malformed' ? `malformed:${e.reason}` : e.kind === 'tool' ? e.tool : e.kind]),
      [
        [1, 'before'],
        [2, 'malformed:oversize'],
        [3, 'after'],
      ],
    );
    assert.ok((entries[1] as Extract<LogEntry, { kind: 'malformed' }>).raw.length <= MAX_RAW_CHARS + 40);
  });

  it('pages a file larger than one read window across line boundaries: every line once, in order', async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 30_000; i += 1) lines.push(json({ tool: `tool-${i % 7}`, input: { n: i, pad: 'p'.repeat(i % 97) }, success: i % 5 !== 0 }));
    const target = await file('tools.jsonl', lines.join(''));
    const { entries, pages } = await allPages(target, 'tools', { limit: 200 });
    assert.equal(entries.length, 30_000);
    entries.forEach((entry, index) => {
      assert.equal(entry.line, index + 1);
      assert.equal(entry.kind === 'tool' && JSON.parse(entry.input).n, index + 1);
    });
    assert.ok(pages.length >= 150, `${pages.length} pages`);
    assert.ok(pages.every((p) => p.entries.length <= 200));
    // A filter that skips most lines makes each page stop at its window's end, inside some line.
    const filtered = await allPages(target, 'tools', { limit: 5000, tool: 'tool-3' });
    assert.equal(filtered.entries.length, lines.filter((_, i) => (i + 1) % 7 === 3).length);
    filtered.entries.forEach((entry) => assert.equal(entry.kind === 'tool' && JSON.parse(entry.input).n, entry.line));
    assert.ok(filtered.pages.length >= 3, `${filtered.pages.length} pages`);
  });

  it('filters by tool, outcome and search text; malformed lines stay under tool and outcome filters', async () => {
    const target = await file(
      'tools.jsonl',
      json({ tool: 'Read', input: { path: 'a.md' }, success: true }) +
        json({ tool: 'Bash', input: { command: 'npm test' }, success: false, error: 'Exit 1' }) +
        'not json\n' +
        json({ tool: 'Bash', input: { command: 'ls' }, success: true }),
    );
    const summary = (request: Omit<PageRequest, 'cursor'>) =>
      readLogPage(target, 'tools', request).then((page) => page.entries.map((e) => (e.kind === 'tool' ? `${e.tool}:${e.outcome}` : e.kind)));
    assert.deepEqual(await summary({ limit: 10, tool: 'Bash' }), ['Bash:error', 'malformed', 'Bash:ok']);
    assert.deepEqual(await summary({ limit: 10, outcome: 'error' }), ['Bash:error', 'malformed']);
    assert.deepEqual(await summary({ limit: 10, q: 'EXIT' }), ['Bash:error']);
    assert.deepEqual(await summary({ limit: 10, q: 'not js' }), ['malformed']);
  });

  it('leaves a last line without its newline for a later read', async () => {
    const target = await file('tools.jsonl', json({ tool: 'done' }) + '{"tool": "half');
    const page = await readLogPage(target, 'tools', { limit: 10 });
    assert.deepEqual(page.entries.map((e) => e.line), [1]);
    assert.ok(page.nextCursor);
    await appendFile(target, 'way"}\n');
    const next = await readLogPage(target, 'tools', { limit: 10, cursor: page.nextCursor });
    assert.deepEqual(next.entries.map((e) => e.kind === 'tool' && [e.line, e.tool]), [[2, 'halfway']]);
  });

  it('refuses a cursor it did not issue', async () => {
    const target = await file('tools.jsonl', json({ tool: 'a' }));
    await assert.rejects(readLogPage(target, 'tools', { limit: 1, cursor: 'abc' }), /cursor/);
  });

  it('refuses a file with another hard link, which may name it from outside the log folder', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'am-logs-outside-'));
    try {
      const secret = path.join(outside, 'secret.jsonl');
      await writeFile(secret, json({ tool: 'secret', input: 'do not read' }));
      const hardLink = path.join(dir, 'tools.jsonl');
      linkSync(secret, hardLink);
      await assert.rejects(readLogPage(hardLink, 'tools', { limit: 1 }), /hard link/);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
