import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decisionAnswer, readHookEvent } from '../../src/extension/engine/hooks/adapters';
import type { ToolCall } from '../../src/extension/engine/hooks/policy';
import { globMatches, HookRules, parseRulePattern, ruleMatches } from '../../src/extension/engine/hooks/rules';
import { silentLogger } from '../../src/extension/engine/log';
import { EngineError } from '../../src/extension/engine/errors';
import { useTempDir } from '../helpers/tempDir';

const workspace = '/home/dev/project';
const bash = (command: string): ToolCall => ({ tool: 'Bash', input: { command }, cwd: workspace });
const allows = (pattern: string, c: ToolCall) => ruleMatches({ pattern, decision: 'allow' }, c, workspace);
const denies = (pattern: string, c: ToolCall) => ruleMatches({ pattern, decision: 'deny' }, c, workspace);

describe('hook rules in Claude Code syntax', () => {
  it('parses tool names and arguments, and refuses what cannot be a rule', () => {
    assert.deepEqual(parseRulePattern('Bash(git status:*)'), { tool: 'Bash', argument: 'git status:*' });
    assert.deepEqual(parseRulePattern('mcp__github__create_issue'), { tool: 'mcp__github__create_issue' });
    assert.equal(typeof parseRulePattern('Bash(git status'), 'string');
    assert.equal(typeof parseRulePattern('Task(anything)'), 'string');
    assert.equal(typeof parseRulePattern('WebFetch(example.com)'), 'string');
  });

  it('Bash(git status:*) allows git status and its arguments, never a compound command', () => {
    assert.ok(allows('Bash(git status:*)', bash('git status')));
    assert.ok(allows('Bash(git status:*)', bash('git status --short')));
    assert.ok(!allows('Bash(git status:*)', bash('git statuses')));
    assert.ok(!allows('Bash(git status:*)', bash('git status && rm -rf ~')));
    assert.ok(!allows('Bash(git status:*)', bash('git status > /etc/passwd')));
    assert.ok(!allows('Bash(git status:*)', bash('git status $(rm -rf ~)')));
    assert.ok(allows('Bash(npm run build)', bash('npm run build')));
    assert.ok(!allows('Bash(npm run build)', bash('npm run build:prod')));
  });

  it('a deny rule catches its command anywhere in a compound command', () => {
    assert.ok(denies('Bash(rm:*)', bash('ls && rm -rf build')));
    assert.ok(denies('Bash(git push:*)', bash('git commit -m x; git push --force')));
    assert.ok(!denies('Bash(rm:*)', bash('ls -la')));
  });

  it('path rules follow gitignore-style globs from the workspace, and Edit covers every editing tool', () => {
    const read = (file: string): ToolCall => ({ tool: 'Read', input: { file_path: file }, cwd: `${workspace}/api` });
    assert.ok(allows('Read(./src/**)', read(`${workspace}/src/a/b.ts`)));
    assert.ok(allows('Read(/src/**/*.ts)', read(`${workspace}/src/b.ts`)));
    assert.ok(!allows('Read(./src/**)', read(`${workspace}/secrets/.env`)));
    assert.ok(!allows('Read(./src/*.ts)', read(`${workspace}/src/a/b.ts`)));
    assert.ok(allows('Read(//etc/hosts)', read('/etc/hosts')));
    assert.ok(allows('Edit(./docs/**)', { tool: 'Write', input: { file_path: `${workspace}/docs/x.md` }, cwd: workspace }));
    assert.ok(allows('WebFetch(domain:example.com)', { tool: 'WebFetch', input: { url: 'https://api.example.com/x' }, cwd: workspace }));
    assert.ok(!allows('WebFetch(domain:example.com)', { tool: 'WebFetch', input: { url: 'https://example.com.evil.io/' }, cwd: workspace }));
    assert.ok(allows('mcp__db', { tool: 'mcp__db__query', input: {}, cwd: workspace }));
  });

  it('matches hostile globs without backtracking (pattern × text steps, well inside the test timeout)', () => {
    assert.equal(globMatches('/a/**/**/**/**/**/**/**/**/b', `/a/${'x/'.repeat(1000)}c`), false);
    assert.equal(globMatches('*a*a*a*a*a*a*a*b', 'a'.repeat(3000), false), false);
  });
});

describe('hook rules store', () => {
  const temp = useTempDir('am-hook-rules-');

  it('persists workspace rules, keeps session rules to their session, lets deny win and revokes', async () => {
    const file = path.join(temp.dir, 'hook-rules.json');
    const rules = new HookRules(file, silentLogger, workspace);
    await rules.load();
    const allow = await rules.add({ decision: 'allow', pattern: 'Bash(git:*)', scope: 'workspace' });
    await rules.add({ decision: 'deny', pattern: 'Bash(git push:*)', scope: 'session', sessionId: 's1', agent: 'claude-code' });
    assert.equal(rules.decide(bash('git push'), 'claude-code', 's1')?.decision, 'deny');
    assert.equal(rules.decide(bash('git push'), 'claude-code', 's2')?.decision, 'allow');
    assert.equal(rules.decide(bash('git push'), 'cursor', 's1')?.decision, 'allow');

    const reloaded = new HookRules(file, silentLogger, workspace);
    await reloaded.load();
    assert.equal(reloaded.list().length, 2);
    await reloaded.revoke(allow.id);
    assert.equal(reloaded.decide(bash('git log'), 'claude-code', 's1'), undefined);
    assert.equal(JSON.parse(await readFile(file, 'utf8')).length, 1);
    await assert.rejects(reloaded.revoke(allow.id), (e: unknown) => e instanceof EngineError && e.kind === 'not_found');
  });

  it('refuses a malformed pattern and a session rule without its session', async () => {
    const rules = new HookRules(path.join(temp.dir, 'r.json'), silentLogger, workspace);
    await rules.load();
    await assert.rejects(rules.add({ decision: 'allow', pattern: 'Bash(ls', scope: 'workspace' }), (e: unknown) => e instanceof EngineError && e.kind === 'invalid');
    await assert.rejects(rules.add({ decision: 'allow', pattern: 'Bash(ls)', scope: 'session' }), /sessionId/);
  });
});

describe('hook adapters', () => {
  it('reads Copilot CLI toolArgs given as a JSON string and answers in its format', () => {
    const event = readHookEvent('copilot', { timestamp: 1704614600000, cwd: '/p', toolName: 'bash', toolArgs: '{"command":"rm -rf dist","description":"Clean build directory"}' });
    assert.deepEqual(event.call, { tool: 'Bash', input: { command: 'rm -rf dist', description: 'Clean build directory' }, cwd: '/p' });
    assert.deepEqual(decisionAnswer(event, { permission: 'deny', reason: 'no' }), { permissionDecision: 'deny', permissionDecisionReason: 'no' });
    assert.throws(() => readHookEvent('copilot', { cwd: '/p', toolName: 'bash', toolArgs: '{not json' }), /toolArgs: not valid JSON/);
  });

  it('answers Claude Code PermissionRequest with a behavior, and leaves "ask" to its own dialog', () => {
    const event = readHookEvent('claude-code', { hook_event_name: 'PermissionRequest', session_id: 's', cwd: '/p', tool_name: 'Bash', tool_input: { command: 'ls' } });
    assert.deepEqual(decisionAnswer(event, { permission: 'deny', reason: 'r' }), { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: 'r' } } });
    assert.deepEqual(decisionAnswer(event, { permission: 'ask', reason: 'r' }), {});
  });
});
