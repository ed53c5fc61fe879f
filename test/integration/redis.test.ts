import { strict as assert } from 'node:assert';
import Redis from 'ioredis';
import { startRedis } from '../helpers/redis';

describe('redis-server harness', () => {
  it('starts a real Redis on a free port that survives a kill and restart', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const connectionErrors: string[] = [];
    client.on('error', (error: Error) => connectionErrors.push(error.message));
    try {
      await client.set('agent-mesh:probe', 'alive', 'EX', 60);
      assert.equal(await client.get('agent-mesh:probe'), 'alive');
      assert.ok((await client.ttl('agent-mesh:probe')) > 0);
      await redis.kill();
      await assert.rejects(client.get('agent-mesh:probe'));
      await redis.restart();
      // Persistence is off for tests: a killed server comes back empty, like a lost cache.
      assert.equal(await client.get('agent-mesh:probe'), null);
      assert.ok(connectionErrors.some((m) => m.includes('ECONNREFUSED')), 'the outage was seen by the client');
    } finally {
      client.disconnect();
    }
  });
});
