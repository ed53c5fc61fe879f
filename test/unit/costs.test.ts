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
});
