// GET /api/logs and /api/logs/:id/entries on a real `agent-mesh serve`: only known logs, by the ids it issues.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { linkSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogEntry, LogPage, LogSource } from '../../src/shared/logs';
import { useServe } from '../helpers/serveFixture';

const json = (value: unknown): string => `${JSON.stringify(value)}\n`;

describe('agent logs routes on a real agent-mesh serve', function () {
  this.timeout(90_000);
  const relay = useServe({ prefix: 'am-logs-', config: { 'agentMesh.logs.directories': ['agent-logs'] } });
  let outside: string;
  beforeEach(async () => {
    outside = await mkdtemp(path.join(tmpdir(), 'am-logs-outside-'));
    await writeFile(path.join(outside, 'secret.jsonl'), json({ tool: 'secret', input: 'do not read' }));
  });
  afterEach(() => rm(outside, { recursive: true, force: true }));

  const logs = async (): Promise<LogSource[]> => ((await relay.call('GET', '/api/logs')).body as { logs: LogSource[] }).logs;
  const page = async (id: string, query = ''): Promise<LogPage> => {
    const { status, body } = await relay.call('GET', `/api/logs/${id}/entries${query}`);
    assert.equal(status, 200, JSON.stringify(body));
    return body as LogPage;
  };

  it('lists a known session transcript and the log directory files, and reads their timelines', async () => {
    const transcript = path.join(relay.workspace, 'session-1.jsonl');
    await writeFile(
      transcript,
      json({ type: 'assistant', timestamp: '2026-11-30T10:00:00Z', message: { id: 'm1', role: 'assistant', content: [{ type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'npm test' } }] } }) +
        json({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'Exit 1', is_error: true }] } }),
    );
    await relay.call('POST', '/api/hooks/claude-code', { session_id: 'session-1', transcript_path: transcript, cwd: relay.workspace, hook_event_name: 'SessionStart', source: 'startup' });
    await relay.call('POST', '/api/hooks/claude-code', { session_id: 'session-1', transcript_path: transcript, cwd: relay.workspace, hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: 'README.md' } });
    await mkdir(path.join(relay.workspace, 'agent-logs', 'migration'), { recursive: true });
    await writeFile(path.join(relay.workspace, 'agent-logs', 'migration', 'tools.jsonl'), json({ tool: 'migrate', input: { table: 'events' }, success: true }) + 'garbage\n');
    await writeFile(path.join(relay.workspace, 'agent-logs', 'notes.txt'), 'not a log');

    const listed = await logs();
    assert.deepEqual(listed.map((log) => [log.name, log.format, log.origin]).sort(), [
      ['claude-code session-', 'claude-transcript', 'session'],
      ['migration/tools.jsonl', 'tools', 'directory'],
    ]);
    assert.ok(listed.every((log) => !JSON.stringify(log).includes(relay.workspace)), 'no paths in the list');
    const session = listed.find((log) => log.origin === 'session')!;
    assert.equal(session.toolCalls, 1, "a session's transcript says how many tool calls its hooks counted");
    assert.equal(listed.find((log) => log.origin === 'directory')!.toolCalls, undefined, 'a file of a log directory is not read to count them');
    assert.deepEqual((await page(session.id)).entries.map((e) => e.kind === 'tool' && [e.tool, e.outcome, e.result]), [['Bash', 'error', 'Exit 1']]);
    const tools = listed.find((log) => log.origin === 'directory')!;
    assert.deepEqual((await page(tools.id)).entries.map((e: LogEntry) => [e.line, e.kind]), [
      [1, 'tool'],
      [2, 'malformed'],
    ]);
  });

  it('refuses ids that are paths, unknown ids and links that lead out of the log directory', async () => {
    const dir = path.join(relay.workspace, 'agent-logs');
    await mkdir(dir, { recursive: true });
    await symlink(path.join(outside, 'secret.jsonl'), path.join(dir, 'link.jsonl'));
    await symlink(outside, path.join(dir, 'linked-folder'));
    await writeFile(path.join(dir, 'own.jsonl'), json({ type: 'summary', summary: 'fine' }));
    await symlink(path.join(dir, 'own.jsonl'), path.join(dir, 'inner-link.jsonl'));

    assert.deepEqual((await logs()).map((log) => log.name), ['own.jsonl'], 'a link inside the folder is the same file, listed once');
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', '..', 'ABCDEF0123456789', '0123']) {
      const { status } = await relay.call('GET', `/api/logs/${id}/entries`);
      assert.equal(status, id === '..' ? 404 : 400, id);
    }
    const secretId = createHash('sha256').update(await realpath(path.join(outside, 'secret.jsonl'))).digest('hex').slice(0, 16);
    assert.equal((await relay.call('GET', `/api/logs/${secretId}/entries`)).status, 404);
  });

  it('neither lists nor reads a hard link to a file outside the log directory, nor a listed log that gains one', async () => {
    const dir = path.join(relay.workspace, 'agent-logs');
    await mkdir(dir, { recursive: true });
    linkSync(path.join(outside, 'secret.jsonl'), path.join(dir, 'hard.jsonl'));
    await writeFile(path.join(dir, 'own.jsonl'), json({ type: 'summary', summary: 'fine' }));

    const listed = await logs();
    assert.deepEqual(listed.map((log) => log.name), ['own.jsonl'], 'the hard link is not listed');
    const hardId = createHash('sha256').update(await realpath(path.join(dir, 'hard.jsonl'))).digest('hex').slice(0, 16);
    assert.equal((await relay.call('GET', `/api/logs/${hardId}/entries`)).status, 404);

    // Linked from outside once listed: the read checks the open file's links, not only the list.
    const [own] = listed;
    linkSync(path.join(dir, 'own.jsonl'), path.join(outside, 'own-copy.jsonl'));
    const { status, body } = await relay.call('GET', `/api/logs/${own.id}/entries`);
    assert.equal(status, 404, JSON.stringify(body));
  });

  it('answers 400 for bad parameters and 401 without the token', async () => {
    const dir = path.join(relay.workspace, 'agent-logs');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'tools.jsonl'), json({ tool: 'a' }));
    const [log] = await logs();
    for (const query of ['?limit=0', '?limit=201', '?limit=x', '?outcome=maybe', '?cursor=abc', '?cursor=-1.0', '?other=1', `?q=${'q'.repeat(201)}`, '?tool=']) {
      assert.equal((await relay.call('GET', `/api/logs/${log.id}/entries${query}`)).status, 400, query);
    }
    assert.equal((await fetch(`${relay.serve.url}/api/logs`)).status, 401);
    assert.equal((await fetch(`${relay.serve.url}/api/logs/${log.id}/entries`)).status, 401);
  });

  it('pages through a 5 MB log in bounded windows, every line once', async () => {
    const dir = path.join(relay.workspace, 'agent-logs');
    await mkdir(dir, { recursive: true });
    const lines: string[] = [];
    for (let n = 1, bytes = 0; bytes < 5 * 1024 * 1024; n += 1) bytes += lines[lines.push(json({ tool: n % 50 === 0 ? 'rare' : 'common', input: { n, pad: 'x'.repeat(200) }, success: true })) - 1].length;
    await writeFile(path.join(dir, 'tools.jsonl'), lines.join(''));
    const [log] = await logs();
    assert.ok(log.size >= 5 * 1024 * 1024);

    const first = await page(log.id, '?limit=10');
    assert.equal(first.entries.length, 10);
    assert.ok(first.readTo < 10_000, `a page of 10 lines read up to ${first.readTo}`);

    let cursor: string | undefined;
    let previous = 0;
    const seen: number[] = [];
    do {
      const next = await page(log.id, `?tool=rare&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.ok(next.readTo - previous <= 1024 * 1024 + 1024, `one page read ${next.readTo - previous} bytes`);
      previous = next.readTo;
      seen.push(...next.entries.map((e) => e.line));
      cursor = next.nextCursor;
    } while (cursor);
    assert.deepEqual(
      seen,
      lines.map((_, i) => i + 1).filter((n) => n % 50 === 0),
    );
  });
});
