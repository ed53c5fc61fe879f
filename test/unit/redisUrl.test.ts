import { strict as assert } from 'node:assert';
import { resolveSettings } from '../../src/extension/engine/config/settings';
import { stateKeys, approvalKeys, sessionKeys, workspaceIdentity } from '../../src/extension/engine/redis/keys';
import { parseRedisUrl } from '../../src/extension/engine/redis/url';

const targetOf = (url: string) => {
  const parsed = parseRedisUrl(url);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.target;
};
const errorOf = (url: string) => {
  const parsed = parseRedisUrl(url);
  return 'error' in parsed ? parsed.error : undefined;
};

describe('Redis URL setting', () => {
  it('reads a single server as ioredis does and names it without the password', () => {
    assert.deepEqual(targetOf('redis://:s3cret@cache.internal:6380/2'), { topology: 'server', url: 'redis://:s3cret@cache.internal:6380/2', where: 'Redis at cache.internal:6380' });
    assert.equal(targetOf('rediss://cache.internal').where, 'Redis at cache.internal (TLS)');
  });

  it('reads a Cluster as a list of seed nodes, default port 6379, credentials apart', () => {
    assert.deepEqual(targetOf('redis-cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2,[::1]:7002'), {
      topology: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: false,
      where: 'Redis Cluster at 10.0.0.1:7000,10.0.0.2:6379,[::1]:7002',
    });
    assert.deepEqual(targetOf('rediss-cluster://h:7000'), { topology: 'cluster', nodes: [{ host: 'h', port: 7000 }], tls: true, where: 'Redis Cluster at h:7000' });
  });

  it('reads Sentinel in the Lettuce style: sentinels, default port 26379, database after /, master after #', () => {
    assert.deepEqual(targetOf('redis-sentinel://:pw@s1:26380,s2/3#my-master'), {
      topology: 'sentinel',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
      ],
      master: 'my-master',
      db: 3,
      password: 'pw',
      tls: false,
      where: 'Redis Sentinel "my-master" at s1:26380,s2:26379',
    });
  });

  it('refuses what it cannot use, with an answer that never repeats the password', () => {
    const refused = ['http://h', 'redis-sentinel://s1:26379', 'redis-sentinel://s1#', 'redis-sentinel://s1/99#m', 'redis-sentinel://s1/1x#m', 'redis-cluster://h1/0', 'redis-cluster://h1:notaport', 'redis-cluster://a:secretpw@h1,,h2', 'redis-cluster://%E0%A4%A@h', `redis-cluster://${'h,'.repeat(40)}h`, `redis://${'a'.repeat(3000)}`];
    for (const url of refused) {
      const error = errorOf(url);
      assert.ok(error, `${url} is refused`);
      assert.ok(!error.includes('secretpw'), error);
    }
  });

  it('is what the setting accepts', () => {
    const resolve = (url: string) => resolveSettings((key) => (key === 'agentMesh.state.redisUrl' ? url : undefined));
    assert.equal(resolve('redis-sentinel://s1:26379#mymaster').settings['agentMesh.state.redisUrl'], 'redis-sentinel://s1:26379#mymaster');
    const refused = resolve('redis-sentinel://s1:26379');
    assert.equal(refused.settings['agentMesh.state.redisUrl'], '', 'an unusable URL falls back to the file store');
    assert.ok(refused.issues.some((i) => i.key === 'agentMesh.state.redisUrl' && i.message.includes('master')), JSON.stringify(refused.issues));
  });
});

describe('Redis keys', () => {
  it('puts every key of a workspace under one hash tag, so a Cluster keeps them in one slot', () => {
    const workspace = workspaceIdentity('', '/tmp/x/app');
    const tag = `{agent-mesh:${workspace}}`;
    const session = sessionKeys(workspace);
    const keys = [...Object.values(stateKeys(workspace, 'ann')), ...Object.values(approvalKeys(workspace)), session.session('s1'), session.events('s1'), session.index, session.channel];
    for (const key of keys) assert.ok(key.startsWith(`${tag}:`), key);
    assert.equal(new Set(keys).size, keys.length, 'no two keys alike');
  });

  it('tells apart two folders with the same name, and follows the workspaceId setting', () => {
    assert.notEqual(workspaceIdentity('', '/tmp/x/app'), workspaceIdentity('', '/tmp/y/app'));
    assert.match(workspaceIdentity('', '/tmp/x/app'), /^app-[0-9a-f]{8}$/);
    assert.equal(workspaceIdentity('shared team', '/tmp/x/app'), 'shared_team');
  });
});
