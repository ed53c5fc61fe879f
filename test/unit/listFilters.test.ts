import { strict as assert } from 'node:assert';
import type { Approval } from '../../src/shared/approvals';
import { approvalFilterOptions, filterApprovals, filterSessions, filterSelectOptions, isFiltering, NO_APPROVAL_FILTER, NO_SESSION_FILTER } from '../../src/webview/layout/filters';
import { agentSession as session } from '../helpers/agentSession';

const approval = (id: string, fields: Partial<Approval>): Approval => ({
  id,
  title: `Approval ${id}`,
  confidence: 50,
  risk: 'medium',
  level: 'quick',
  priority: 'normal',
  status: 'pending',
  destructive: false,
  target: '',
  createdAt: 0,
  dueAt: 0,
  ...fields,
});

const ids = (items: Array<{ id: string }>) => items.map((item) => item.id);

describe('list filters', () => {
  const approvals = [
    approval('a', { level: 'full', risk: 'high', agent: 'builder', tool: 'deploy', title: 'Deploy to production' }),
    approval('b', { level: 'quick', risk: 'low', agent: 'builder', tool: 'npm', title: 'Install left-pad', description: 'Adds a dependency' }),
    approval('c', { level: 'full', risk: 'medium', agent: 'reviewer', tool: 'git', title: 'Force-push main' }),
    approval('d', { level: 'quick', risk: 'medium', title: 'No agent nor tool' }),
  ];

  describe('filterApprovals', () => {
    it('keeps everything without a filter', () => {
      assert.deepEqual(ids(filterApprovals(approvals, NO_APPROVAL_FILTER)), ['a', 'b', 'c', 'd']);
      assert.equal(isFiltering(NO_APPROVAL_FILTER), false);
    });

    it('filters by level, risk, agent and tool, all together', () => {
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, level: 'full' })), ['a', 'c']);
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, risk: 'medium' })), ['c', 'd']);
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, agent: 'builder' })), ['a', 'b']);
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, tool: 'git' })), ['c']);
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, level: 'full', agent: 'builder' })), ['a']);
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, level: 'quick', tool: 'git' })), []);
      assert.equal(isFiltering({ ...NO_APPROVAL_FILTER, tool: 'git' }), true);
    });

    it('searches title, description, agent and tool, case-insensitively, ignoring surrounding spaces', () => {
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, query: '  PRODUCTION ' })), ['a']);
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, query: 'dependency' })), ['b']);
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, query: 'review' })), ['c']);
      assert.deepEqual(ids(filterApprovals(approvals, { ...NO_APPROVAL_FILTER, query: 'npm' })), ['b']);
      assert.equal(isFiltering({ ...NO_APPROVAL_FILTER, query: '   ' }), false);
    });

    it('offers the agents and tools of the list, sorted, without repeats', () => {
      assert.deepEqual(approvalFilterOptions(approvals), { agents: ['builder', 'reviewer'], tools: ['deploy', 'git', 'npm'] });
    });
  });

  describe('filterSessions', () => {
    const sessions = [
      session('s1', { status: 'waiting', cwd: '/home/me/shop-api' }),
      session('s2', { status: 'running', agent: 'copilot', cwd: 'C:\\work\\shop-web' }),
      session('s3', { status: 'ended', agent: 'cursor', cwd: '/srv/billing' }),
    ];

    it('filters by status', () => {
      assert.deepEqual(ids(filterSessions(sessions, NO_SESSION_FILTER)), ['s1', 's2', 's3']);
      assert.deepEqual(ids(filterSessions(sessions, { ...NO_SESSION_FILTER, status: 'ended' })), ['s3']);
    });

    it('searches the agent (id and label) and the folder', () => {
      assert.deepEqual(ids(filterSessions(sessions, { ...NO_SESSION_FILTER, query: 'shop' })), ['s1', 's2']);
      assert.deepEqual(ids(filterSessions(sessions, { ...NO_SESSION_FILTER, query: 'Claude Code' })), ['s1']);
      assert.deepEqual(ids(filterSessions(sessions, { ...NO_SESSION_FILTER, query: 'cursor' })), ['s3']);
      assert.deepEqual(ids(filterSessions(sessions, { status: 'running', query: 'billing' })), []);
      assert.equal(isFiltering({ ...NO_SESSION_FILTER, status: 'waiting' }), true);
    });
  });

  describe('the options of a filter select', () => {
    it('puts the "any" entry first and words plain values as themselves', () => {
      assert.deepEqual(filterSelectOptions('', ['full', 'quick'], 'any level'), [
        { value: '', label: 'any level' },
        { value: 'full', label: 'full' },
        { value: 'quick', label: 'quick' },
      ]);
    });

    it('keeps labelled options as given, and has no "any" entry when none is worded', () => {
      const logs = [
        { value: 'a1', label: 'first.jsonl (tool calls, 2 KB)' },
        { value: 'b2', label: 'second.jsonl (summaries, 1 KB)' },
      ];
      assert.deepEqual(filterSelectOptions('b2', logs), logs);
    });

    it('keeps a chosen value the list no longer has, so the control never lies', () => {
      assert.deepEqual(filterSelectOptions('Edit', [{ value: 'Bash', label: 'Bash' }], 'every tool'), [
        { value: '', label: 'every tool' },
        { value: 'Edit', label: 'Edit' },
        { value: 'Bash', label: 'Bash' },
      ]);
      assert.deepEqual(filterSelectOptions('', ['Bash'], 'every tool').map((option) => option.value), ['', 'Bash']);
    });
  });
});
