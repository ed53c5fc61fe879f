import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { ConfigFileError, parseConfigText } from '../../src/extension/engine/config/configFile';
import { defaultSettings, resolveSettings, SETTING_KEYS } from '../../src/extension/engine/config/settings';

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

  it('matches the defaults and keys declared in package.json', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
    const declared = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
    assert.deepEqual(Object.keys(declared).sort(), [...SETTING_KEYS].sort());
    const defaults = defaultSettings();
    for (const key of SETTING_KEYS) assert.deepEqual(declared[key].default, defaults[key], key);
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
