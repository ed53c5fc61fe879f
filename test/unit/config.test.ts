import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { ConfigFileError, parseConfigText } from '../../src/extension/engine/config/configFile';
import { defaultSettings, resolveSettings, SETTING_KEYS } from '../../src/extension/engine/config/settings';
import { RESTRICTED_SETTING_KEYS, vscodeSettingValue } from '../../src/extension/engine/config/trust';

describe('settings', () => {
  it('defaults to a loopback relay on a free port', () => {
    const settings = defaultSettings();
    assert.equal(settings['agentMesh.relay.host'], '127.0.0.1');
    assert.equal(settings['agentMesh.relay.port'], 0);
  });

  it('falls back to the default for an invalid value and reports it', () => {
    const { settings, issues } = resolveSettings((key) => (key === 'agentMesh.relay.port' ? 70000 : undefined));
    assert.equal(settings['agentMesh.relay.port'], 0);
    assert.deepEqual(issues.map((i) => i.key), ['agentMesh.relay.port']);
  });

  it('takes cost budgets in positive dollars per day, week and month, and refuses anything else', () => {
    const budgets = (value: unknown) => resolveSettings((key) => (key === 'agentMesh.costs.budgets' ? value : undefined));
    assert.deepEqual(budgets({ day: 20, month: 300 }).settings['agentMesh.costs.budgets'], { day: 20, month: 300 });
    for (const invalid of [{ day: -1 }, { day: 0 }, { year: 5 }, { week: '10' }, [5]]) {
      const { settings, issues } = budgets(invalid);
      assert.deepEqual(settings['agentMesh.costs.budgets'], {}, JSON.stringify(invalid));
      assert.deepEqual(issues.map((i) => i.key), ['agentMesh.costs.budgets']);
    }
  });

  it('matches the defaults and keys declared in package.json', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
    const declared = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
    assert.deepEqual(Object.keys(declared).sort(), [...SETTING_KEYS].sort());
    const defaults = defaultSettings();
    for (const key of SETTING_KEYS) assert.deepEqual(declared[key].default, defaults[key], key);
  });
});

describe('settings and workspace trust', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  const declared = manifest.contributes.configuration.properties as Record<string, { scope?: string }>;
  /** Settings a workspace could use to weaken the relay's security. */
  const WEAKENING = [
    'agentMesh.relay.host',
    'agentMesh.relay.port',
    'agentMesh.state.redisUrl',
    'agentMesh.metrics.requireAuth',
    'agentMesh.approvals.autoApproveThreshold',
    'agentMesh.approvals.quickThreshold',
    'agentMesh.mcp.servers',
  ];

  it('gives every setting a scope, and the user-only scopes to the ones that weaken security', () => {
    for (const key of SETTING_KEYS) assert.ok(['application', 'machine', 'machine-overridable', 'window', 'resource'].includes(declared[key].scope ?? ''), `${key} has no scope`);
    for (const key of WEAKENING.filter((k) => k !== 'agentMesh.mcp.servers')) assert.ok(['application', 'machine'].includes(declared[key].scope!), `${key} is ${declared[key].scope}`);
  });

  it('lists the restricted settings in package.json exactly as the settings reader restricts them', () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations as string[];
    assert.deepEqual([...restricted].sort(), [...RESTRICTED_SETTING_KEYS].sort());
    for (const key of WEAKENING) assert.ok(restricted.includes(key), key);
  });

  it('ignores the workspace\'s values and its config file for restricted settings in an untrusted workspace', () => {
    const inspected = { globalValue: 85, workspaceValue: 0, workspaceFolderValue: 1 };
    const merged = () => 1;
    const file = () => 0;
    assert.equal(vscodeSettingValue('agentMesh.approvals.autoApproveThreshold', inspected, merged, file, false), 85);
    assert.equal(vscodeSettingValue('agentMesh.approvals.autoApproveThreshold', { workspaceValue: 0 }, () => 0, file, false), undefined, 'no user value: the default');
    assert.equal(vscodeSettingValue('agentMesh.approvals.autoApproveThreshold', {}, () => undefined, file, false), undefined, 'the workspace file is ignored too');
    assert.equal(vscodeSettingValue('agentMesh.approvals.autoApproveThreshold', inspected, merged, file, true), 1, 'trusted: as VS Code merges them');
    assert.equal(vscodeSettingValue('agentMesh.approvals.autoApproveThreshold', {}, () => undefined, file, true), 0, 'trusted: the workspace file fills what VS Code leaves unset');
    assert.equal(vscodeSettingValue('agentMesh.mesh.intervalSeconds', { workspaceValue: 5 }, () => 5, () => 9, false), 5, 'unrestricted settings keep workspace values');
  });
});

describe('headless config file', () => {
  it('reads settings by their VS Code names and lists unknown keys', () => {
    const { source, unknownKeys } = parseConfigText(JSON.stringify({ 'agentMesh.relay.port': 4100, 'agentMesh.relay.hots': 'x' }));
    assert.equal(source('agentMesh.relay.port'), 4100);
    assert.deepEqual(unknownKeys, ['agentMesh.relay.hots']);
  });

  it('rejects malformed JSON and non-objects with the file name', () => {
    assert.throws(() => parseConfigText('{', 'my.json'), (e: ConfigFileError) => e.message.startsWith('my.json: invalid JSON'));
    assert.throws(() => parseConfigText('[]', 'my.json'), /must contain a JSON object/);
  });
});
