// The load test: 200 dashboards on two relays that share one real Redis write contended state paths
// (and agents ask for approvals) for 30 s (RELIABILITY_LONG=1: 10 minutes). At the end every
// acknowledged update must hold under the conflict rule (each path holds its acknowledged write with
// the highest stamp), no ack may come twice, every acknowledged approval must be on both relays, and
// both relays must serve the same state byte for byte.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { percentile } from '../../bench/run';
import { generateToken } from '../../src/extension/engine/security/token';
import { waitFor } from '../helpers/net';
import { startRedis, type RedisServer } from '../helpers/redis';
import { recordReliability } from '../helpers/reliabilityResults';
import { startServe, type ServeProcess } from '../helpers/serve';
import { requestJson } from '../helpers/serveFixture';
import { lostWrites, StateWriter, type WriteOutcome } from '../helpers/stateWriter';
import { envCount, LONG } from './mode';

const CLIENTS = envCount('RELIABILITY_LOAD_CLIENTS', 200);
const DURATION_MS = envCount('RELIABILITY_LOAD_SECONDS', LONG ? 600 : 30) * 1000;
/** Few paths for many clients, so writes contend and the conflict rule decides. */
const PATHS = Array.from({ length: 40 }, (_, i) => `load.p${i}`);
const APPROVAL_EVERY_MS = 250;

describe('reliability: load on two relays sharing one Redis', function () {
  this.timeout(DURATION_MS + 180_000);
  let redis: RedisServer;
  let scratch: string;
  const token = generateToken();
  const relays: ServeProcess[] = [];
  const writers: StateWriter[] = [];

  before(async () => {
    redis = await startRedis();
    scratch = mkdtempSync(path.join(tmpdir(), 'am-load-'));
    for (const name of ['a', 'b']) {
      relays.push(await startServe(['--workspace', path.join(scratch, 'workspace'), '--data-dir', path.join(scratch, name), '--port', '0', '--token', token, '--redis-url', redis.url, '--log-level', 'error']));
    }
  });

  after(async () => {
    await Promise.all(writers.map((w) => w.close()));
    await Promise.all(relays.map((r) => r.stop()));
    await redis?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`${CLIENTS} clients write for ${DURATION_MS / 1000} s: nothing acknowledged lost or duplicated, both relays converge`, async () => {
    for (let i = 0; i < CLIENTS; i++) writers.push(await StateWriter.connect(relays[i % 2].url, token, `load-${i}`));
    const outcomes: Record<WriteOutcome, number> = { acked: 0, conflict: 0, refused: 0, unanswered: 0, closed: 0 };
    const deadline = Date.now() + DURATION_MS;
    const createdApprovals: string[] = [];
    let approvalFailures = 0;

    const writeLoop = async (writer: StateWriter, index: number) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const target = PATHS[(index * 7 + n * 13) % PATHS.length];
        outcomes[await writer.write(target, { client: index, n })] += 1;
      }
    };
    const approvalLoop = async () => {
      for (let n = 0; Date.now() < deadline; n++) {
        const relay = relays[n % 2];
        const answer = await requestJson(relay.url, token, 'POST', '/api/approvals', { title: `load ${n}`, confidence: 10, risk: 'high', timeoutMs: 3_600_000 });
        if (answer.status === 201) createdApprovals.push(answer.body.id);
        else approvalFailures += 1;
        await new Promise((r) => setTimeout(r, APPROVAL_EVERY_MS));
      }
    };
    await Promise.all([...writers.map(writeLoop), approvalLoop()]);

    const acked = writers.flatMap((w) => w.acked);
    const stateOf = async (relay: ServeProcess) => (await fetch(`${relay.url}/api/dashboard/state`, { headers: { authorization: `Bearer ${token}` } })).text();
    // Both relays converge (Redis fan-out may still be delivering the last writes).
    const converged = await waitFor(
      'both relays to serve the same state',
      async () => {
        const [a, b] = await Promise.all(relays.map(stateOf));
        return a === b ? a : undefined;
      },
      15_000,
      200,
    ).catch(() => undefined);
    const [first, second] = (await Promise.all(relays.map(stateOf))).map((text) => JSON.parse(text) as { version: number; lastModified: number; state: unknown });
    const documentsEqual = JSON.stringify(first.state) === JSON.stringify(second.state);
    if (converged === undefined) {
      console.log(`  relays differ: version ${first.version} vs ${second.version}, lastModified ${first.lastModified} vs ${second.lastModified}, state ${documentsEqual ? 'equal' : 'different'}`);
    }
    const finalState = first.state;
    const lost = lostWrites(finalState, acked, writers.flatMap((w) => w.unconfirmed)).length;
    const duplicated = writers.reduce((sum, w) => sum + w.duplicateAcks, 0);

    const approvalIds = async (relay: ServeProcess) => new Set(((await requestJson(relay.url, token, 'GET', '/api/approvals')).body as Array<{ id: string }>).map((a) => a.id));
    let approvalsMissing = 0;
    for (const relay of relays) {
      const seen = await approvalIds(relay);
      approvalsMissing += createdApprovals.filter((id) => !seen.has(id)).length;
    }
    const latencies = acked.map((w) => w.latencyMs);
    const round = (ms: number) => Math.round(ms * 100) / 100;

    recordReliability(
      'load',
      `${CLIENTS} clients on 2 relays + 1 Redis, ${DURATION_MS / 1000} s, ${PATHS.length} contended paths`,
      {
        clients: CLIENTS,
        'acked updates': outcomes.acked,
        'conflicts (refused by the rule)': outcomes.conflict,
        'unanswered updates': outcomes.unanswered,
        lost,
        duplicated,
        'relays converged byte for byte': converged === undefined ? 0 : 1,
        'relays hold the same state document': documentsEqual ? 1 : 0,
        'acked approvals': createdApprovals.length,
        'approvals missing on a relay': approvalsMissing,
        'ack p50 (ms)': round(percentile(latencies, 50)),
        'ack p99 (ms)': round(percentile(latencies, 99)),
      },
      { lost: '0', duplicated: '0', 'unanswered updates': '0', 'relays converged byte for byte': '1', 'relays hold the same state document': '1', 'approvals missing on a relay': '0' },
    );

    assert.ok(outcomes.acked > CLIENTS, `updates were acknowledged (${outcomes.acked})`);
    assert.equal(outcomes.unanswered + outcomes.closed + outcomes.refused, 0, `every update was acked or refused by the conflict rule: ${JSON.stringify(outcomes)}`);
    assert.equal(lost, 0, 'every path holds its acknowledged write with the highest stamp');
    assert.equal(duplicated, 0, 'no update was acknowledged twice');
    assert.ok(documentsEqual, 'both relays hold the same state document');
    assert.ok(converged !== undefined, 'both relays answer GET /api/dashboard/state byte for byte alike (version and lastModified too)');
    assert.equal(approvalFailures, 0, 'every approval request was accepted');
    assert.equal(approvalsMissing, 0, 'every acknowledged approval is on both relays');
  });
});
