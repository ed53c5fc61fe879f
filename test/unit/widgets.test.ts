import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/extension/engine/log';
import { EngineError } from '../../src/extension/engine/errors';
import { Recoveries } from '../../src/extension/engine/state/recoveries';
import { WidgetService } from '../../src/extension/engine/widgets/service';
import { checkWidgetData, weightedProgress, WIDGET_TYPES, type WidgetEvent, type WidgetType } from '../../src/shared/widgets';
import { assertRecovered } from '../helpers/recoveries';

/** One valid example per widget type. */
const WIDGET_EXAMPLES: Record<WidgetType, unknown> = {
  task_card: { title: 'Ship 0.2', status: 'in_progress', assignee: 'Planner', priority: 'high', dueAt: '2026-12-01T12:00:00Z', tags: ['release'] },
  vitals: { items: [{ label: 'Planner', status: 'healthy', latencyMs: 42, history: [40, null, 42], circuit: 'closed' }] },
  activity: { entries: [{ at: '2026-11-21T10:00:00Z', text: 'Reviewed PR 12', actor: 'Reviewer', level: 'success' }] },
  project_status: { name: 'Agent Mesh', health: 'at_risk', progress: 62.5, milestones: [{ name: 'Beta', done: true }] },
  task_list: { tasks: [{ id: 't1', title: 'Write docs', status: 'todo' }] },
  metrics: { metrics: [{ label: 'Tokens', value: 12840, unit: 'tok', delta: -320, trend: [1, 2, 3] }] },
  alert: { severity: 'warning', title: 'Budget at 80%' },
  error: { message: 'Build failed: exit code 2', code: 'E_BUILD', attemptsLeft: 2 },
  task_progress: { title: 'Release', steps: [{ name: 'build', status: 'done', weight: 3 }, { name: 'test', status: 'running', progress: 50 }] },
};

describe('widget schemas', () => {
  it('accept a valid example of every type', () => {
    for (const type of WIDGET_TYPES) assert.deepEqual(checkWidgetData(type, WIDGET_EXAMPLES[type]).ok, true, type);
  });

  it('name the fields that do not fit', () => {
    const check = (type: string, data: unknown) => {
      const result = checkWidgetData(type, data);
      assert.equal(result.ok, false);
      return (result as { problems: string[] }).problems.join('\n');
    };
    assert.match(check('task_card', { title: 'x', status: 'maybe' }), /^data\.status: /);
    assert.match(check('task_progress', { title: 'x', steps: [{ name: 'a', status: 'done', weight: -1 }] }), /^data\.steps\.0\.weight: /);
    assert.match(check('metrics', { metrics: [{ label: 'x', value: 'high' }] }), /^data\.metrics\.0\.value: /);
    assert.match(check('error', { message: 'x' }), /^data\.attemptsLeft: /);
    assert.match(check('alert', { severity: 'info', title: 'x', html: '<b>' }), /html/);
    assert.match(check('activity', { entries: [{ at: 'yesterday', text: 'x' }] }), /^data\.entries\.0\.at: /);
    assert.match(check('sparkles', {}), /^type: unknown widget type "sparkles"/);
    assert.match(check('vitals', null), /^data: /);
  });

  it('weigh task progress by step weight, counting a running step by its progress and skipping skipped steps', () => {
    assert.equal(weightedProgress([{ name: 'a', status: 'done', weight: 3 }, { name: 'b', status: 'running', progress: 50 }]), 87.5);
    assert.equal(weightedProgress([{ name: 'a', status: 'skipped', weight: 5 }, { name: 'b', status: 'pending' }]), 0);
    assert.equal(weightedProgress([{ name: 'a', status: 'skipped' }]), 100);
  });
});

describe('widget service', () => {
  let dir: string;
  let file: string;
  let events: WidgetEvent[];
  let service: WidgetService;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-widgets-'));
    file = path.join(dir, 'widgets.json');
    events = [];
    service = new WidgetService(file, silentLogger, (e) => events.push(e));
    await service.load();
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('removes the temp files a crash left beside its file when it loads', async () => {
    await writeFile(path.join(dir, '.widgets.json.77.0123456789ab.tmp'), '[{"id":');
    await new WidgetService(file, silentLogger, () => undefined).load();
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), []);
  });

  it('stores a widget durably, tells listeners and replaces it on the same id', async () => {
    await service.render({ id: 'build', type: 'alert', data: { severity: 'info', title: 'one' } });
    await service.render({ id: 'build', type: 'alert', data: { severity: 'error', title: 'two' } });
    assert.deepEqual(events.map((e) => e.name), ['upsert', 'upsert']);
    assert.equal(service.list().length, 1);
    const reloaded = new WidgetService(file, silentLogger, () => undefined);
    await reloaded.load();
    assert.deepEqual(reloaded.get('build')?.data, { severity: 'error', title: 'two' });
  });

  it('throws an invalid EngineError naming the fields for invalid data, and changes nothing', async () => {
    await assert.rejects(
      service.render({ id: 'p', type: 'task_progress', data: { title: 'x', steps: [] } }),
      (e: EngineError) => e instanceof EngineError && e.kind === 'invalid' && e.code === 'invalid_widget' && /data\.steps/.test(e.message),
    );
    await assert.rejects(service.render({ id: '../etc', type: 'alert', data: { severity: 'info', title: 'x' } }), (e: EngineError) => e.kind === 'invalid' && /^id: /.test(e.message));
    await assert.rejects(service.render({ id: 'x', type: 'nope', data: {} }), (e: EngineError) => e.kind === 'invalid' && /^type: /.test(e.message));
    assert.equal(service.list().length, 0);
    assert.equal(events.length, 0);
    await assert.rejects(readFile(file), { code: 'ENOENT' });
  });

  it('retries an error widget until no attempts are left', async () => {
    await service.render({ id: 'e', type: 'error', data: { message: 'failed', attemptsLeft: 1 } });
    assert.deepEqual(await service.retry('e'), { id: 'e', attemptsLeft: 0 });
    assert.deepEqual(events.slice(-2).map((e) => e.name), ['upsert', 'retry']);
    await assert.rejects(service.retry('e'), (e: EngineError) => e.kind === 'conflict' && e.code === 'no_attempts_left');
    await service.render({ id: 'a', type: 'alert', data: { severity: 'info', title: 'x' } });
    await assert.rejects(service.retry('a'), (e: EngineError) => e.kind === 'conflict' && e.code === 'not_retryable');
    await assert.rejects(service.retry('missing'), (e: EngineError) => e.kind === 'not_found');
  });

  it('removes a widget and 404s an unknown one', async () => {
    await service.render({ id: 'a', type: 'alert', data: { severity: 'info', title: 'x' } });
    await service.remove('a');
    assert.equal(service.list().length, 0);
    assert.deepEqual(events.at(-1), { name: 'removed', payload: { id: 'a' } });
    await assert.rejects(service.remove('a'), (e: EngineError) => e.kind === 'not_found');
  });

  it('answers 503 store_unavailable when the file cannot be written, changing and broadcasting nothing, and says why until a write succeeds', async () => {
    await service.render({ id: 'kept', type: 'alert', data: { severity: 'info', title: 'before' } });
    events.length = 0;
    // A non-empty directory where the file should be: every write fails, as on a read-only folder.
    await rm(file);
    await mkdir(path.join(file, 'blocked'), { recursive: true });
    const refused = (e: EngineError) => e instanceof EngineError && e.kind === 'unavailable' && e.code === 'store_unavailable' && !e.message.includes(dir);
    await assert.rejects(service.render({ id: 'new', type: 'alert', data: { severity: 'info', title: 'x' } }), refused);
    await assert.rejects(service.render({ id: 'kept', type: 'alert', data: { severity: 'error', title: 'changed' } }), refused);
    await assert.rejects(service.remove('kept'), refused);
    assert.deepEqual(service.list().map((w) => [w.id, (w.data as { title: string }).title]), [['kept', 'before']]);
    assert.deepEqual(events, []);
    assert.match(service.storeProblem ?? '', /^widgets store: cannot write /);

    await rm(file, { recursive: true });
    await service.render({ id: 'new', type: 'alert', data: { severity: 'info', title: 'x' } });
    assert.equal(service.storeProblem, undefined);
  });

  it('sets aside a file holding invalid or prototype-named entries and starts from the valid ones', async () => {
    const valid = { id: 'ok', type: 'alert', data: { severity: 'info', title: 'fine' }, updatedAt: '2026-11-21T10:00:00.000Z' };
    for (const entries of [
      [null, valid],
      [{ id: '__proto__', type: 'alert', data: { severity: 'info', title: 'x' }, updatedAt: valid.updatedAt }, valid],
      [{ id: 'constructor', type: 'alert', data: { severity: 'info', title: 'x' }, updatedAt: valid.updatedAt }, valid],
      [{ id: 'x', type: 'alert', data: { severity: 'info', title: 'x' }, updatedAt: 5 }, valid],
      [1, valid],
    ]) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      await writeFile(file, JSON.stringify(entries));
      const fresh = new WidgetService(file, silentLogger, () => undefined);
      await fresh.load();
      assert.deepEqual(fresh.list(), [valid], JSON.stringify(entries));
      assert.equal((await readdir(dir)).filter((f) => f.startsWith('widgets.json.unreadable-')).length, 1, JSON.stringify(entries));
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), [valid], 'the file holds the valid entries again');
    }
    await writeFile(file, '{"id":"__proto__"}');
    const recoveries = new Recoveries();
    const fresh = new WidgetService(file, silentLogger, () => undefined, recoveries);
    await fresh.load();
    assert.deepEqual(fresh.list(), []);
    assertRecovered(recoveries, [['widgets.json', 'started without it']]);
  });

  it('starts when the file can be neither read nor set aside, and refuses every change so that it is never overwritten', async () => {
    await mkdir(path.join(file, 'unreadable'), { recursive: true });
    const recoveries = new Recoveries();
    const fresh = new WidgetService(file, silentLogger, () => undefined, recoveries);
    await fresh.load();
    assert.deepEqual(fresh.list(), []);
    assertRecovered(recoveries, []);
    assert.match(fresh.storeProblem ?? '', /^widgets store: cannot read or set aside /);
    await assert.rejects(fresh.render({ id: 'a', type: 'alert', data: { severity: 'info', title: 'x' } }), (e: EngineError) => e.kind === 'unavailable' && e.code === 'store_unavailable');
    assert.deepEqual(await readdir(file), ['unreadable']);
  });

  it('refuses widget ids that name prototype properties', async () => {
    for (const id of ['__proto__', 'constructor', 'prototype']) {
      await assert.rejects(service.render({ id, type: 'alert', data: { severity: 'info', title: 'x' } }), (e: EngineError) => e.kind === 'invalid' && /^id: /.test(e.message), id);
    }
  });

  it('moves an unreadable file aside and starts empty', async () => {
    await writeFile(file, '{ torn');
    const fresh = new WidgetService(file, silentLogger, () => undefined);
    await fresh.load();
    assert.equal(fresh.list().length, 0);
    assert.equal((await readdir(dir)).filter((f) => f.startsWith('widgets.json.unreadable-')).length, 1);
  });
});
