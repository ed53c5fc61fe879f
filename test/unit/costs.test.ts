import { strict as assert } from 'node:assert';
import { aggregateCosts, budgetStatus } from '../../src/extension/engine/costs/aggregate';
import type { AgentSession } from '../../src/shared/sessions';
import { agentSession } from '../helpers/agentSession';

const at = (iso: string): number => Date.parse(iso);

const session = agentSession;

describe('cost aggregation', () => {
  const now = at('2026-11-30T12:00:00Z'); // a Monday
  const sessions = [
    session('a', { model: 'claude-sonnet-4-5', costUsd: 2.5 }),
    session('b', { model: 'claude-sonnet-4-5', agent: 'cursor', costUsd: 0.25, costApproximate: true, lastEventAt: at('2026-11-29T23:59:00Z') }),
    session('c', { model: 'mystery', agent: 'cursor', costUsd: null, lastEventAt: at('2026-11-29T10:00:00Z') }),
    session('d', { costUsd: 0.0012, lastEventAt: at('2026-10-31T10:00:00Z') }),
  ];
  const report = aggregateCosts(sessions, {}, now);

  it('totals tokens and cost over every session, approximate when one is partly or wholly unpriced', () => {
    assert.deepEqual(report.total.tokens, { input: 400, output: 40, cacheRead: 4000, cacheWrite: 200 });
    assert.equal(report.total.costUsd, 2.7512, 'summed in micro-dollars, no float residue');
    assert.equal(report.total.sessions, 4);
    assert.equal(report.total.unpricedSessions, 1);
    assert.equal(report.total.approximate, true);
  });

  it('groups per agent and per model (no model: "unknown"), the costliest first', () => {
    assert.deepEqual(report.byAgent.map((g) => [g.key, g.sessions, g.costUsd, g.approximate]), [
      ['claude-code', 2, 2.5012, false],
      ['cursor', 2, 0.25, true],
    ]);
    assert.deepEqual(report.byModel.map((g) => [g.key, g.sessions, g.costUsd]), [
      ['claude-sonnet-4-5', 2, 2.75],
      ['unknown', 1, 0.0012],
      ['mystery', 1, 0],
    ]);
  });

  it('attributes a session to the UTC day of its last event, days in order', () => {
    assert.deepEqual(report.byDay.map((g) => [g.key, g.sessions, g.costUsd]), [
      ['2026-10-31', 1, 0.0012],
      ['2026-11-29', 2, 0.25],
      ['2026-11-30', 1, 2.5],
    ]);
  });

  it('lists sessions by cost, the costliest first, up to the limit', () => {
    assert.deepEqual(aggregateCosts(sessions, {}, now, 2).topSessions.map((s) => [s.id, s.costUsd]), [
      ['a', 2.5],
      ['b', 0.25],
    ]);
    assert.equal(report.topSessions.length, 4);
    assert.deepEqual(report.topSessions[3], { id: 'c', agent: 'cursor', model: 'mystery', costUsd: null, approximate: false, tokens: sessions[2].tokens, lastEventAt: sessions[2].lastEventAt });
  });

  it('reports only the budgets that are set', () => {
    assert.deepEqual(report.budgets, []);
    assert.deepEqual(aggregateCosts(sessions, { week: 10 }, now).budgets.map((b) => b.period), ['week']);
  });
});

describe('budgets with a linear projection to the end of the period', () => {
  const noon = at('2026-11-30T12:00:00Z'); // Monday: half the day, 1/14 of the ISO week, 29.5/30 of November gone
  const spent = (usd: number, when = at('2026-11-30T11:00:00Z')): AgentSession[] => [session('x', { costUsd: usd, lastEventAt: when })];

  it('day: half the day gone, $3 spent projects $6; under a $10 limit it is ok', () => {
    const day = budgetStatus('day', 10, spent(3), noon);
    assert.deepEqual(day, {
      period: 'day',
      limitUsd: 10,
      spentUsd: 3,
      projectedUsd: 6,
      periodStart: at('2026-11-30T00:00:00Z'),
      periodEnd: at('2026-12-01T00:00:00Z'),
      status: 'ok',
    });
  });

  it('warns when the projection passes the limit before the spending does', () => {
    assert.equal(budgetStatus('day', 5, spent(3), noon).status, 'warning');
  });

  it('is over once the spending passes the limit', () => {
    const day = budgetStatus('day', 2, spent(3), noon);
    assert.equal(day.status, 'over');
  });

  it('week starts on Monday 00:00 UTC; sessions of the previous week do not count', () => {
    const week = budgetStatus('week', 40, [...spent(3), ...spent(50, at('2026-11-29T23:00:00Z'))], noon);
    assert.equal(week.periodStart, at('2026-11-30T00:00:00Z'));
    assert.equal(week.periodEnd, at('2026-12-07T00:00:00Z'));
    assert.equal(week.spentUsd, 3);
    assert.equal(week.projectedUsd, 3 * 14);
    assert.equal(week.status, 'warning');
  });

  it('month is the UTC calendar month', () => {
    const month = budgetStatus('month', 100, [...spent(59), ...spent(1000, at('2026-10-31T23:00:00Z'))], noon);
    assert.equal(month.periodStart, at('2026-11-01T00:00:00Z'));
    assert.equal(month.periodEnd, at('2026-12-01T00:00:00Z'));
    assert.equal(month.spentUsd, 59);
    assert.equal(month.projectedUsd, 60, '59 spent in 708 of 720 hours');
    assert.equal(month.status, 'ok');
  });

  it('an unpriced session adds nothing; the first instant of a period projects what is spent', () => {
    const start = at('2026-11-30T00:00:00Z');
    assert.equal(budgetStatus('day', 1, [session('y', { costUsd: null, lastEventAt: start })], start).spentUsd, 0);
    assert.equal(budgetStatus('day', 1, spent(0.5, start), start).projectedUsd, 0.5);
  });

  it('projects only once a twenty-fourth of the period has gone: minutes into a month say nothing of its pace', () => {
    const monthStart = at('2026-12-01T00:00:00Z');
    const early = budgetStatus('month', 1000, spent(2, at('2026-12-01T00:10:00Z')), at('2026-12-01T00:20:00Z'));
    assert.deepEqual([early.projectedUsd, early.status], [2, 'ok'], '$2 in 20 minutes is not $4,464 by the end of December');
    const firstHour = budgetStatus('day', 10, spent(1, at('2026-11-30T00:30:00Z')), at('2026-11-30T00:59:00Z'));
    assert.deepEqual([firstHour.projectedUsd, firstHour.status], [1, 'ok']);
    const afterAnHour = budgetStatus('day', 10, spent(1, at('2026-11-30T00:30:00Z')), at('2026-11-30T02:00:00Z'));
    assert.deepEqual([afterAnHour.projectedUsd, afterAnHour.status], [12, 'warning']);
    // A twenty-fourth of the 31 days of December is 31 hours.
    const month = budgetStatus('month', 100, spent(31, at('2026-12-02T06:00:00Z')), at('2026-12-02T07:00:00Z'));
    assert.equal(month.periodStart, monthStart);
    assert.deepEqual([month.projectedUsd, month.status], [31 * 24, 'warning']);
  });
});

describe('cost over time per agent', () => {
  const now = at('2026-11-30T12:30:00Z');
  const sessions = [
    session('a', { costUsd: 0.1, lastEventAt: at('2026-11-30T12:10:00Z') }),
    session('b', { costUsd: 0.2, lastEventAt: at('2026-11-30T12:20:00Z') }),
    session('c', { agent: 'cursor', costUsd: 1.5, costApproximate: true, lastEventAt: at('2026-11-30T10:59:59Z') }),
    session('d', { agent: 'cursor', costUsd: null, lastEventAt: at('2026-11-30T11:00:00Z') }),
    session('e', { costUsd: 7, lastEventAt: at('2026-11-29T12:59:59Z') }),
    session('f', { costUsd: 3, lastEventAt: at('2026-11-29T13:00:00Z') }),
  ];

  it('by default buckets the last 24 hours per UTC hour, the current hour last, summed per agent in micro-dollars', () => {
    const { timeline } = aggregateCosts(sessions, {}, now);
    assert.equal(timeline.range, '24h');
    assert.equal(timeline.bucket, 'hour');
    assert.equal(timeline.bucketStarts.length, 24);
    assert.equal(timeline.bucketStarts[0], at('2026-11-29T13:00:00Z'));
    assert.equal(timeline.bucketStarts[23], at('2026-11-30T12:00:00Z'));
    const series = Object.fromEntries(timeline.byAgent.map((s) => [s.key, s]));
    assert.deepEqual(Object.keys(series), ['claude-code', 'cursor'], 'the costliest agent first');
    assert.equal(series['claude-code'].costUsd[23], 0.3, '0.1 + 0.2 with no float residue');
    assert.equal(series['claude-code'].costUsd[0], 3, 'the first bucket starts 23 hours before the current one');
    assert.equal(series['claude-code'].costUsd.reduce((sum, usd) => sum + usd, 0), 3.3, 'a session before the range is left out');
    assert.equal(series['claude-code'].approximate, false);
    assert.equal(series.cursor.costUsd[21], 1.5);
    assert.equal(series.cursor.costUsd[22], 0, 'an unpriced session adds nothing');
    assert.equal(series.cursor.approximate, true, 'part of it is unpriced');
  });

  it('buckets 7 days per hour and 30 days per UTC day', () => {
    const week = aggregateCosts(sessions, {}, now, 10, '7d').timeline;
    assert.equal(week.bucket, 'hour');
    assert.equal(week.bucketStarts.length, 7 * 24);
    assert.equal(week.byAgent.find((s) => s.key === 'claude-code')?.costUsd.reduce((sum, usd) => sum + usd, 0), 10.3);
    const month = aggregateCosts(sessions, {}, now, 10, '30d').timeline;
    assert.equal(month.bucket, 'day');
    assert.equal(month.bucketStarts.length, 30);
    assert.equal(month.bucketStarts[29], at('2026-11-30T00:00:00Z'));
    assert.equal(month.bucketStarts[0], at('2026-11-01T00:00:00Z'));
    const claude = month.byAgent.find((s) => s.key === 'claude-code')?.costUsd;
    assert.deepEqual([claude?.[28], claude?.[29]], [10, 0.3]);
  });

  it('has no series when no session falls in the range', () => {
    assert.deepEqual(aggregateCosts([], {}, now).timeline.byAgent, []);
  });
});
