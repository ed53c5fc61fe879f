import { strict as assert } from 'node:assert';
import { parseSettingsServers } from '../../src/extension/engine/mcp/config';
import { connectionModeOf } from '../../src/extension/engine/mcp/connectionMode';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { mcpFleetSettings } from '../../src/extension/engine/mcp/sources';

describe('MCP connection mode of a server', () => {
  const { servers } = parseSettingsServers({ local: { command: 'node', args: ['server.js'] }, remote: { type: 'http', url: 'http://127.0.0.1:1/mcp' }, legacy: { type: 'sse', url: 'http://127.0.0.1:1/sse' } });
  const modes = (settings: Parameters<typeof connectionModeOf>[1]) => servers.map((s) => [s.name, connectionModeOf(s, settings)]);

  it('by default inspects stdio servers (VS Code runs them already) and keeps remote ones connected', () => {
    assert.equal(defaultSettings()['agentMesh.mcp.connectionMode'], 'auto');
    assert.deepEqual(modes(mcpFleetSettings(defaultSettings())), [
      ['local', 'inspect'],
      ['remote', 'keep-connected'],
      ['legacy', 'keep-connected'],
    ]);
  });

  it('applies a global mode to every server, and a per-server override above it', () => {
    assert.deepEqual(modes({ connectionMode: 'keep-connected', connectionModes: {} }).map(([, m]) => m), ['keep-connected', 'keep-connected', 'keep-connected']);
    assert.deepEqual(modes({ connectionMode: 'inspect', connectionModes: { local: 'keep-connected' } }), [
      ['local', 'keep-connected'],
      ['remote', 'inspect'],
      ['legacy', 'inspect'],
    ]);
  });
});
