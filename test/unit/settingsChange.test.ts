import { strict as assert } from 'node:assert';
import { defaultSettings, SETTING_KEYS, type Settings } from '../../src/extension/engine/config/settings';
import { planSettingsChange, SETTING_EFFECTS } from '../../src/extension/engine/config/settingsChange';

function changed(values: Partial<Settings>): Settings {
  return { ...defaultSettings(), ...values };
}

describe('which settings change restarts what', () => {
  const before = defaultSettings();

  it('restarts only the relay when its host, port or allowed hosts change', () => {
    for (const values of [{ 'agentMesh.relay.port': 8123 }, { 'agentMesh.relay.host': '0.0.0.0' }, { 'agentMesh.relay.allowedHosts': ['mesh.example'] }]) {
      assert.deepEqual([...planSettingsChange(before, changed(values)).effects], ['relay'], JSON.stringify(values));
    }
  });

  it('restarts only the stores when a store setting changes, and never rebuilds the engine for it', () => {
    for (const values of [
      { 'agentMesh.state.redisUrl': 'redis://127.0.0.1:6379' },
      { 'agentMesh.state.workspaceId': 'app-2' },
      { 'agentMesh.state.user': 'ada' },
      { 'agentMesh.state.ttlDays': 3 },
    ]) {
      assert.deepEqual([...planSettingsChange(before, changed(values)).effects], ['stores'], JSON.stringify(values));
    }
  });

  it('applies the metrics door\'s auth in place', () => {
    assert.deepEqual([...planSettingsChange(before, changed({ 'agentMesh.metrics.requireAuth': false })).effects], ['metrics']);
  });

  it('applies approval, task, hook and cost settings in place', () => {
    const plan = planSettingsChange(before, changed({ 'agentMesh.approvals.quickThreshold': 50, 'agentMesh.costs.budgets': { day: 5 } }));
    assert.deepEqual([...plan.effects], ['humanLoop']);
    assert.deepEqual(plan.changed.sort(), ['agentMesh.approvals.quickThreshold', 'agentMesh.costs.budgets']);
  });

  it('reloads the MCP fleet for MCP and token settings, and for VS Code\'s own mcp setting', () => {
    assert.deepEqual([...planSettingsChange(before, changed({ 'agentMesh.mcp.tokenBudget': 1000 })).effects], ['mcp']);
    assert.deepEqual([...planSettingsChange(before, changed({ 'agentMesh.tokens.encoding': 'cl100k_base' })).effects], ['mcp']);
    assert.deepEqual([...planSettingsChange(before, before, { vscodeMcpSettingChanged: true }).effects], ['mcp']);
  });

  it('reconfigures the mesh monitor for mesh settings', () => {
    assert.deepEqual([...planSettingsChange(before, changed({ 'agentMesh.mesh.intervalSeconds': 60 })).effects], ['mesh']);
  });

  it('restarts nothing for a setting only the views read', () => {
    const plan = planSettingsChange(before, changed({ 'agentMesh.approvals.notifications': false, 'agentMesh.tasks.followAutomatically': true }));
    assert.deepEqual([...plan.effects], []);
    assert.equal(plan.changed.length, 2);
  });

  it('restarts nothing when the values in effect stay the same (an invalid value that falls back to the default)', () => {
    assert.deepEqual(planSettingsChange(before, defaultSettings()), { changed: [], effects: new Set() });
  });

  it('does the relay restart, the store restart and the in-place changes together', () => {
    assert.deepEqual([...planSettingsChange(before, changed({ 'agentMesh.relay.port': 9000, 'agentMesh.mesh.timeoutMs': 100 })).effects].sort(), ['mesh', 'relay']);
    assert.deepEqual([...planSettingsChange(before, changed({ 'agentMesh.relay.port': 9000, 'agentMesh.state.ttlDays': 3, 'agentMesh.mcp.maxAttempts': 2 })).effects].sort(), ['mcp', 'relay', 'stores']);
  });

  it('classifies every setting, none of them as a rebuild of the whole engine', () => {
    assert.deepEqual(Object.keys(SETTING_EFFECTS).sort(), [...SETTING_KEYS].sort());
    const effects = new Set<string>(Object.values(SETTING_EFFECTS));
    assert.ok(!effects.has('engine'), [...effects].join(', '));
  });
});
