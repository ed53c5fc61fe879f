import { strict as assert } from 'node:assert';
import { AlertMonitor, MAX_ALERTS } from '../../src/extension/engine/alerts/monitor';
import { costSpikeRule } from '../../src/extension/engine/alerts/costSpike';
import { repeatedTaskFailureRule } from '../../src/extension/engine/alerts/taskFailures';
import type { Task, TaskStep } from '../../src/shared/tasks';
import { budgetRule, contextWindowRule, FAILURE_WINDOW_MS, repeatedToolFailureRule, stalledSessionRule, type AlertRule } from '../../src/extension/engine/alerts/rules';
import { contextPercent } from '../../src/shared/sessions';
import type { AgentSession } from '../../src/shared/sessions';
import { agentSession } from '../helpers/agentSession';

const at = (iso: string): number => Date.parse(iso);
const MINUTE = 60_000;

const session = (id: string, fields: Partial<AgentSession>): AgentSession => agentSession(`claude-code:${id}`, { sessionId: id, ...fields });

describe('alert rules', () => {
  const noon = at('2026-11-30T12:00:00Z');

  it('budget: nothing while ok, info when projected over, warning when spent over', () => {
    assert.deepEqual(budgetRule({ sessions: [session('a', { costUsd: 1 })], budgets: { day: 10 }, now: noon }), []);
    const projected = budgetRule({ sessions: [session('a', { costUsd: 6 })], budgets: { day: 10 }, now: noon });
    assert.deepEqual(projected.map((c) => [c.kind, c.severity, c.subject]), [['budget', 'info', 'day']]);
    assert.match(projected[0].message, /projected/);
    const over = budgetRule({ sessions: [session('a', { costUsd: 12 })], budgets: { day: 10 }, now: noon });
    assert.deepEqual(over.map((c) => [c.kind, c.severity, c.subject]), [['budget', 'warning', 'day']]);
    assert.equal(over[0].message, 'The day budget of $10.00 is exceeded: $12.00 spent.');
    assert.notEqual(over[0].key, projected[0].key, 'turning from warning to over is a new condition');
  });

  it('stalled session: running or waiting with no event for ten minutes, not idle or ended ones', () => {
    const last = noon - 10 * MINUTE;
    const sessions = [
      session('run', { status: 'running', lastEventAt: last }),
      session('wait', { status: 'waiting', lastEventAt: last }),
      session('fresh', { status: 'running', lastEventAt: last + 1 }),
      session('idle', { status: 'idle', lastEventAt: last - 60 * MINUTE }),
      session('ended', { status: 'ended', lastEventAt: last - 60 * MINUTE }),
    ];
    const conditions = stalledSessionRule({ sessions, budgets: {}, now: noon });
    assert.deepEqual(conditions.map((c) => [c.kind, c.subject]), [
      ['stalled-session', 'claude-code:run'],
      ['stalled-session', 'claude-code:wait'],
    ]);
    assert.equal(conditions[0].message, 'The claude-code session run has been running with no event for 10 minutes.');
  });
});

describe('context window rule', () => {
  const noon = at('2026-11-30T12:00:00Z');
  const using = (tokens: number, window?: number) => session('c', { model: 'claude-sonnet-4-5', context: { tokens, ...(window ? { window } : {}) } });

  it('holds while the latest response uses more than 80 % of the window, as a warning; not at 80 %, not without a known window', () => {
    assert.deepEqual(contextWindowRule({ sessions: [using(160_000, 200_000)], budgets: {}, now: noon }), []);
    assert.deepEqual(contextWindowRule({ sessions: [using(190_000)], budgets: {}, now: noon }), [], 'no window known');
    assert.deepEqual(contextWindowRule({ sessions: [session('none', {})], budgets: {}, now: noon }), [], 'no response yet');
    const [condition, ...others] = contextWindowRule({ sessions: [using(160_001, 200_000)], budgets: {}, now: noon });
    assert.deepEqual(others, []);
    assert.deepEqual([condition.key, condition.kind, condition.severity, condition.subject], ['context:claude-code:c', 'context-window', 'warning', 'claude-code:c']);
    assert.equal(condition.message, 'The claude-code session c uses 80 % of the claude-sonnet-4-5 context window (160k of 200k tokens).');
  });

  it('shows the percentage of the window a session uses', () => {
    assert.equal(contextPercent(using(170_000, 200_000)), 85);
    assert.equal(contextPercent(using(170_000)), undefined);
    assert.equal(contextPercent(session('none', {})), undefined);
  });

  it('fires once per crossing: not on every cycle, again only after the context fell under 80 % (a compaction) and rose over it', () => {
    const monitor = new AlertMonitor([contextWindowRule]);
    const cycle = (tokens: number, minute: number) => monitor.evaluate({ sessions: [using(tokens, 200_000)], budgets: {}, now: noon + minute * MINUTE }).length;
    assert.deepEqual([cycle(150_000, 0), cycle(170_000, 1), cycle(175_000, 2), cycle(180_000, 3)], [0, 1, 0, 0]);
    assert.deepEqual([cycle(40_000, 4), cycle(100_000, 5), cycle(165_000, 6), cycle(166_000, 7)], [0, 0, 1, 0]);
    assert.deepEqual(monitor.list().map((alert) => alert.kind), ['context-window', 'context-window']);
  });
});

describe('repeated tool failures rule', () => {
  const noon = at('2026-11-30T12:00:00Z');
  const failing = (...failures: Array<[string, number]>) => session('f', { toolFailures: failures.map(([tool, minute]) => ({ tool, at: noon + minute * MINUTE })) });

  it('holds for 3 failures of the same tool in one session within 10 minutes', () => {
    const [condition, ...others] = repeatedToolFailureRule({ sessions: [failing(['Bash', 0], ['Read', 1], ['Bash', 5], ['Bash', 9])], budgets: {}, now: noon + 10 * MINUTE });
    assert.deepEqual(others, []);
    assert.deepEqual([condition.key, condition.kind, condition.severity, condition.subject], ['tool-failures:claude-code:f:Bash', 'repeated-failures', 'warning', 'claude-code:f']);
    assert.equal(condition.message, 'Bash failed 3 times in the last 10 minutes in the claude-code session f.');
  });

  it('does not hold for 2 failures, for 3 failures of different tools, or for 3 spread over more than 10 minutes', () => {
    const now = noon + 10 * MINUTE;
    assert.deepEqual(repeatedToolFailureRule({ sessions: [failing(['Bash', 1], ['Bash', 2])], budgets: {}, now }), []);
    assert.deepEqual(repeatedToolFailureRule({ sessions: [failing(['Bash', 1], ['Read', 2], ['Edit', 3])], budgets: {}, now }), []);
    assert.deepEqual(repeatedToolFailureRule({ sessions: [failing(['Bash', -1], ['Bash', 2], ['Bash', 3])], budgets: {}, now }), [], 'the first is 11 minutes old');
    assert.equal(FAILURE_WINDOW_MS, 10 * MINUTE);
  });

  it('fires once while failures keep coming, and again only after a quiet window and three new failures', () => {
    const monitor = new AlertMonitor([repeatedToolFailureRule]);
    const failures: Array<[string, number]> = [];
    const cycle = (minute: number, fails?: string) => {
      if (fails) failures.push([fails, minute]);
      return monitor.evaluate({ sessions: [failing(...failures)], budgets: {}, now: noon + minute * MINUTE }).length;
    };
    assert.deepEqual([cycle(0, 'Bash'), cycle(1, 'Bash'), cycle(2, 'Bash'), cycle(3), cycle(4, 'Bash'), cycle(8, 'Bash')], [0, 0, 1, 0, 0, 0]);
    assert.deepEqual([cycle(16), cycle(19), cycle(30, 'Bash'), cycle(31, 'Bash'), cycle(32, 'Bash')], [0, 0, 0, 0, 1]);
    assert.deepEqual(monitor.list().map((alert) => alert.subject), ['claude-code:f', 'claude-code:f']);
  });
});

describe('repeated task failures rule', () => {
  const noon = at('2026-11-30T12:00:00Z');
  const step = (fields: Partial<TaskStep> = {}): TaskStep => ({ name: 'build', weight: 1, state: 'running', progress: 0, retries: 0, attempts: 0, ...fields });
  const task = (id: string, fields: Partial<Task> = {}): Task => ({
    id, title: 'Nightly build', agent: 'builder', steps: [step()], status: 'running', percent: 0, timeoutMs: 60 * MINUTE,
    lastReportAt: noon, stale: false, createdAt: noon, updatedAt: noon, ...fields,
  });
  const ended = (id: string, minute: number, status: Task['status'] = 'failed', fields: Partial<Task> = {}) => task(id, { status, finishedAt: noon + minute * MINUTE, ...fields });

  it('holds when 3 runs of the same task (agent and title) ended failed or timed out within 10 minutes', () => {
    const monitor = new AlertMonitor([repeatedTaskFailureRule()]);
    const listed: Task[] = [];
    const cycle = (minute: number, ...tasks: Task[]) => {
      listed.push(...tasks);
      return monitor.evaluate({ sessions: [], budgets: {}, tasks: listed, now: noon + minute * MINUTE }).map((alert) => alert.message);
    };
    assert.deepEqual(cycle(1, ended('t1', 1)), []);
    assert.deepEqual(cycle(2, ended('t2', 2, 'completed'), ended('other', 2, 'failed', { title: 'Deploy' })), [], 'a completed run and another task do not count');
    assert.deepEqual(cycle(3, ended('t3', 3, 'timeout')), []);
    // Finished tasks leave the list after a while; the rule remembers the runs it saw.
    listed.splice(0, listed.length);
    assert.deepEqual(cycle(5, ended('t4', 5)), ['The task "Nightly build" of builder failed 3 times in the last 10 minutes.']);
    assert.deepEqual(cycle(6, ended('t4', 5)), [], 'the same run is counted once, and a holding condition fires nothing');
    assert.deepEqual(cycle(14), [], 'at minute 14 only the run of minute 5 is within 10 minutes: cleared');
    assert.deepEqual([cycle(20, ended('t5', 20)), cycle(21, ended('t6', 21))], [[], []]);
    assert.deepEqual(cycle(22, ended('t7', 22, 'timeout')), ['The task "Nightly build" of builder failed 3 times in the last 10 minutes.'], 'again after it cleared');
  });

  it('holds when one step of a running task failed 3 times (retried twice and failing again)', () => {
    const rule = repeatedTaskFailureRule();
    const inputs = (attempts: number, state: TaskStep['state']) => ({ sessions: [], budgets: {}, tasks: [task('r1', { steps: [step({ retries: 5, attempts, state })] })], now: noon });
    assert.deepEqual(rule(inputs(2, 'running')), [], 'two failures, retried');
    const [condition] = rule(inputs(3, 'running'));
    assert.deepEqual([condition.key, condition.kind, condition.severity, condition.subject], ['step-failures:r1:build', 'repeated-failures', 'warning', 'r1']);
    assert.equal(condition.message, 'The step "build" of the task "Nightly build" (builder) failed 3 times.');
    assert.equal(rule(inputs(2, 'failed')).length, 1, 'two retries used and failed again: 3 failures');
  });
});

describe('alert monitor', () => {
  const noon = at('2026-11-30T12:00:00Z');
  const overBudget = [session('a', { costUsd: 12 })];

  it('fires a budget alert once while it holds, and again after it cleared', () => {
    const monitor = new AlertMonitor();
    const events: string[] = [];
    monitor.onEvent((event) => events.push(`${event.kind} ${event.alert.id}`));
    const first = monitor.evaluate({ sessions: overBudget, budgets: { day: 10 }, now: noon });
    assert.equal(first.length, 1);
    assert.deepEqual(first[0], {
      id: `budget:day:${at('2026-11-30T00:00:00Z')}:over@${noon}`,
      kind: 'budget',
      severity: 'warning',
      subject: 'day',
      message: 'The day budget of $10.00 is exceeded: $12.00 spent.',
      firedAt: noon,
    });
    assert.deepEqual(monitor.evaluate({ sessions: overBudget, budgets: { day: 10 }, now: noon + 30_000 }), [], 'still holding: not again');
    assert.deepEqual(monitor.evaluate({ sessions: overBudget, budgets: { day: 100 }, now: noon + 60_000 }), [], 'cleared');
    const again = monitor.evaluate({ sessions: overBudget, budgets: { day: 10 }, now: noon + 90_000 });
    assert.equal(again.length, 1);
    assert.notEqual(again[0].id, first[0].id);
    assert.deepEqual(events, [`fired ${first[0].id}`, `fired ${again[0].id}`]);
    assert.deepEqual(monitor.list().map((a) => a.id), [again[0].id, first[0].id], 'newest first');
  });

  it('fires a stalled-session alert once, and again after the session moved and stalled anew', () => {
    const monitor = new AlertMonitor();
    const stalled = session('s', { status: 'running', lastEventAt: noon - 11 * MINUTE });
    assert.equal(monitor.evaluate({ sessions: [stalled], budgets: {}, now: noon }).length, 1);
    assert.equal(monitor.evaluate({ sessions: [stalled], budgets: {}, now: noon + 30_000 }).length, 0);
    const moved = { ...stalled, lastEventAt: noon + 60_000 };
    assert.equal(monitor.evaluate({ sessions: [moved], budgets: {}, now: noon + 61_000 }).length, 0);
    assert.equal(monitor.evaluate({ sessions: [moved], budgets: {}, now: noon + 61_000 + 10 * MINUTE }).length, 1);
    assert.equal(monitor.list().length, 2);
  });

  it('dismisses an alert once, and answers 404 for an unknown id', () => {
    const monitor = new AlertMonitor();
    const events: string[] = [];
    monitor.onEvent((event) => events.push(event.kind));
    const [alert] = monitor.evaluate({ sessions: overBudget, budgets: { day: 10 }, now: noon });
    assert.equal(monitor.dismiss(alert.id, noon + 5).dismissedAt, noon + 5);
    assert.equal(monitor.dismiss(alert.id, noon + 9).dismissedAt, noon + 5, 'a second dismiss changes nothing');
    assert.equal(monitor.list()[0].dismissedAt, noon + 5);
    assert.deepEqual(events, ['fired', 'dismissed']);
    assert.throws(() => monitor.dismiss('nope', noon), (error: { kind?: string }) => error.kind === 'not_found');
    assert.deepEqual(monitor.evaluate({ sessions: overBudget, budgets: { day: 10 }, now: noon + 10 }), [], 'dismissed is not cleared');
  });

  it('keeps the newest alerts only', () => {
    let n = 0;
    const everyTimeNew: AlertRule = () => [{ key: `k${n++}`, kind: 'budget', severity: 'info', subject: 's', message: 'm' }];
    const monitor = new AlertMonitor([everyTimeNew]);
    for (let i = 0; i < MAX_ALERTS + 5; i++) monitor.evaluate({ sessions: [], budgets: {}, now: i });
    assert.equal(monitor.list().length, MAX_ALERTS);
    assert.equal(monitor.list()[0].firedAt, MAX_ALERTS + 4);
  });
});

describe('cost spike rule', () => {
  const start = at('2026-11-30T00:00:00Z');
  const HOUR = 60 * MINUTE;
  /** Evaluates a fresh rule on a spending total that grows by `perHour[h]` dollars during hour h, sampled every 5 minutes. */
  function spendOver(perHour: number[]): { fired: number[]; messages: string[] } {
    const monitor = new AlertMonitor([costSpikeRule()]);
    const fired: number[] = [];
    const messages: string[] = [];
    let total = 0;
    for (let h = 0; h < perHour.length; h++) {
      for (let m = 0; m < 60; m += 5) {
        total += perHour[h] / 12;
        for (const alert of monitor.evaluate({ sessions: [session('s', { costUsd: total })], budgets: {}, now: start + h * HOUR + (m + 5) * MINUTE })) {
          fired.push(h);
          messages.push(alert.message);
        }
      }
    }
    return { fired, messages };
  }

  it('fires once when the last hour costs more than twice the usual hourly rate, and again after it calmed down', () => {
    const { fired, messages } = spendOver([2, 2, 2, 2, 5, 5, 2, 2, 2, 2, 7]);
    assert.deepEqual(fired, [4, 10]);
    assert.match(messages[0], /^Coding agents spent \$4\.\d\d in the last hour, more than 2× the usual \$2\.\d\d an hour\.$/);
  });

  it('stays quiet at a steady rate, under the one-dollar floor, and with under two hours of history', () => {
    assert.deepEqual(spendOver([2, 2, 2, 2, 2, 2]).fired, []);
    assert.deepEqual(spendOver([0.1, 0.1, 0.1, 0.1, 0.9, 0.9]).fired, [], 'a spike under $1 an hour');
    assert.deepEqual(spendOver([0, 50]).fired, [], 'no usual rate yet');
  });
});
