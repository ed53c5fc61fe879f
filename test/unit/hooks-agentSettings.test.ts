import { strict as assert } from 'node:assert';
import { connectAgentHooks, disconnectAgentHooks } from '../../src/extension/engine/hooks/agentSettings';
import { HOOK_AGENTS } from '../../src/shared/hooks';

const claudeWithOwnHooks = `{
  // the person's own settings
  "permissions": { "allow": ["Bash(npm test)"] },
  "hooks": {
    "PostToolUse": [{ "matcher": "Edit", "hooks": [{ "type": "command", "command": "prettier --write" }] }],
    "PreToolUse": [{ "matcher": "Bash", "hooks": [{ "type": "command", "command": "./check.sh" }] }]
  }
}
`;

describe('Connect <agent> to Agent Mesh: the hook settings change', () => {
  it('adds the Claude Code hook to an empty file, exactly the documented form', () => {
    const text = connectAgentHooks('claude-code', '');
    assert.deepEqual(JSON.parse(text), {
      hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: 'agent-mesh hook claude-code', timeout: 60 }] }] },
    });
  });

  it('adds the Copilot and Cursor hooks with their version', () => {
    assert.deepEqual(JSON.parse(connectAgentHooks('copilot', '')), {
      version: 1,
      hooks: { preToolUse: [{ type: 'command', bash: 'agent-mesh hook copilot', timeoutSec: 60 }] },
    });
    const command = { command: 'agent-mesh hook cursor' };
    assert.deepEqual(JSON.parse(connectAgentHooks('cursor', '{}')), {
      version: 1,
      hooks: { beforeShellExecution: [command], beforeMCPExecution: [command], beforeReadFile: [command] },
    });
  });

  it('keeps the person\'s other hooks, settings and comments', () => {
    const text = connectAgentHooks('claude-code', claudeWithOwnHooks);
    assert.ok(text.includes('// the person\'s own settings'));
    assert.ok(text.includes('"permissions": { "allow": ["Bash(npm test)"] }'));
    assert.ok(text.includes('"PostToolUse": [{ "matcher": "Edit", "hooks": [{ "type": "command", "command": "prettier --write" }] }]'));
    const { PreToolUse } = (JSON.parse(text.replace(/^\s*\/\/.*$/m, '')) as { hooks: { PreToolUse: unknown[] } }).hooks;
    assert.equal(PreToolUse.length, 2);
    assert.deepEqual(PreToolUse[0], { matcher: 'Bash', hooks: [{ type: 'command', command: './check.sh' }] });
  });

  it('is idempotent: connecting twice or disconnecting twice changes nothing the second time', () => {
    for (const agent of HOOK_AGENTS) {
      for (const start of ['', '{}', claudeWithOwnHooks]) {
        const once = connectAgentHooks(agent, start);
        assert.equal(connectAgentHooks(agent, once), once, agent);
        const removed = disconnectAgentHooks(agent, once);
        assert.equal(disconnectAgentHooks(agent, removed), removed, agent);
      }
      assert.equal(disconnectAgentHooks(agent, claudeWithOwnHooks), claudeWithOwnHooks);
    }
  });

  it('disconnect removes only our hook, leaving a shared Claude Code group with the person\'s hook', () => {
    const shared = `{ "hooks": { "PreToolUse": [
      { "matcher": "*", "hooks": [{ "type": "command", "command": "./audit.sh" }, { "type": "command", "command": "agent-mesh hook claude-code", "timeout": 60 }] },
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "./check.sh" }] }
    ] } }`;
    const removed = JSON.parse(disconnectAgentHooks('claude-code', shared)) as { hooks: { PreToolUse: unknown[] } };
    assert.deepEqual(removed.hooks.PreToolUse, [
      { matcher: '*', hooks: [{ type: 'command', command: './audit.sh' }] },
      { matcher: 'Bash', hooks: [{ type: 'command', command: './check.sh' }] },
    ]);
    const own = JSON.parse(disconnectAgentHooks('claude-code', connectAgentHooks('claude-code', claudeWithOwnHooks).replace(/^\s*\/\/.*$/m, ''))) as {
      hooks: { PreToolUse: unknown[]; PostToolUse: unknown[] };
    };
    assert.deepEqual(own.hooks.PreToolUse, [{ matcher: 'Bash', hooks: [{ type: 'command', command: './check.sh' }] }]);
    assert.equal(own.hooks.PostToolUse.length, 1);
  });

  it('never writes a token or URL into the file', () => {
    for (const agent of HOOK_AGENTS) {
      const text = connectAgentHooks(agent, claudeWithOwnHooks);
      assert.ok(!/token|bearer|authorization|https?:/i.test(text), `${agent}: ${text}`);
    }
  });

  it('refuses a file that is not a JSON object instead of overwriting it', () => {
    assert.throws(() => connectAgentHooks('cursor', '{ "hooks": '), /not valid JSON/);
    assert.throws(() => connectAgentHooks('cursor', '[]'), /JSON object/);
    assert.throws(() => connectAgentHooks('claude-code', '{ "hooks": { "PreToolUse": {} } }'), /must be a list/);
  });
});
