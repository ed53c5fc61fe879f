// A seeded fuzzer for every door of a real `agent-mesh serve`: HTTP requests on raw sockets (request
// line, path, query, headers, body, broken framing), WebSocket upgrades, WebSocket frames (JSON of
// every frame type, not-JSON, binary) and raw WebSocket frame bytes. It counts crashes, 5xx answers,
// hangs, refused inputs that changed state, and the relay's memory growth. A failing input is
// printed with its seed and index: `AGENT_MESH_FUZZ_SEED=S AGENT_MESH_FUZZ_ONLY=I` replays it.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { generateToken } from '../../src/extension/engine/security/token';
import { fixtureServer } from '../fixtures/mcp';
import { waitFor } from '../helpers/net';
import { inputRng } from '../helpers/prng';
import { residentBytes } from '../helpers/procStatus';
import { rawRequest, rawUpgradeThenSend, type RawOutcome } from '../helpers/rawHttp';
import { recordReliability } from '../helpers/reliabilityResults';
import { startServe, type ServeProcess } from '../helpers/serve';
import { requestJson } from '../helpers/serveFixture';
import { LONG, envCount } from './mode';
import { rawInput, rawWsFrames, requestLineInput, routeInput, TOKEN_MARK, upgradeInput, wsFrameInput, type HttpInput, type KnownIds } from './fuzzInputs';

const SEED = envCount('AGENT_MESH_FUZZ_SEED', 20261130);
const INPUTS = envCount('AGENT_MESH_FUZZ_INPUTS', LONG ? 200_000 : 10_000);
const ONLY = process.env.AGENT_MESH_FUZZ_ONLY === undefined ? undefined : Number(process.env.AGENT_MESH_FUZZ_ONLY);
/** An answer later than this is a hang (a liveness bound, not a timing target). */
const HANG_MS = 5000;
const CONCURRENCY = 8;
const MEMORY_BOUND_BYTES = 64 * 1024 * 1024;
/** Share of the inputs per door, in index order: HTTP doors first, then WebSocket frames. */
const WS_FRAME_SHARE = 0.2;
const RAW_WS_SHARE = 0.02;
/** Error codes the hub answers before a frame reaches the engine: such a frame must change nothing. */
const VALIDATION_CODES = new Set(['invalid_json', 'frame_too_large', 'unknown_type', 'invalid_frame', 'forbidden_path']);

interface Failure {
  index: number;
  door: string;
  what: string;
  input: string;
}

describe('reliability: seeded fuzzer on every door of a real relay', function () {
  this.timeout(LONG ? 6 * 60 * 60_000 : 240_000);
  let workspace: string;
  let token: string;
  let serve: ServeProcess;
  let ids: KnownIds;

  before(async () => {
    workspace = await mkdtemp(path.join(tmpdir(), 'am-fuzz-'));
    await mkdir(path.join(workspace, '.vscode'));
    await writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { fixture: fixtureServer('minimal-server') } }));
    token = generateToken();
    serve = await start();
    await waitFor('the fixture MCP server', async () => ((await call('GET', '/api/mcp/servers')).body[0]?.status === 'connected' ? true : undefined));
    ids = await seedRelay();
  });

  after(async () => {
    await serve?.stop();
    await rm(workspace, { recursive: true, force: true });
  });

  const start = () => startServe(['--workspace', workspace, '--port', '0', '--token', token, '--log-level', 'error']);
  const call = (method: string, route: string, body?: unknown) => requestJson(serve.url, token, method, route, body);
  const port = () => Number(new URL(serve.url).port);
  const alive = () => serve.child.exitCode === null && serve.child.signalCode === null;
  const withToken = (bytes: Buffer) => Buffer.from(bytes.toString('latin1').split(TOKEN_MARK).join(token), 'latin1');
  const printable = (bytes: Buffer | string) => JSON.stringify(bytes.toString().slice(0, 300)).split(TOKEN_MARK).join('<token>');

  async function seedRelay(): Promise<KnownIds> {
    const pending = await call('POST', '/api/approvals', { title: 'Fuzz pending', confidence: 10, risk: 'high', timeoutMs: 3_600_000 });
    const decided = await call('POST', '/api/approvals', { title: 'Fuzz decided', confidence: 10, risk: 'high', timeoutMs: 3_600_000 });
    await call('POST', `/api/approvals/${decided.body.id}/decision`, { decision: 'approve' });
    const task = await call('POST', '/api/tasks', { title: 'Fuzz task', steps: [{ name: 'scan' }] });
    await call('POST', '/api/widgets', { id: 'fuzz-widget', type: 'alert', data: { severity: 'info', title: 'Fuzz' } });
    await call('POST', '/api/dashboard/state', { version: 0, state: { seeded: { by: 'fuzz' } } });
    const tools = (await call('GET', '/api/mcp/servers/fixture')).body.tools as Array<{ name: string }>;
    assert.ok(pending.body.id && decided.body.id && task.body.id && tools.length > 0, 'the relay was seeded');
    return { pendingApproval: pending.body.id, decidedApproval: decided.body.id, task: task.body.id, widget: 'fuzz-widget', mcpServer: 'fixture', mcpTool: tools[0].name };
  }

  /** Everything a refused input must leave as it was (an approval expiring on its own is not a change). */
  async function fingerprint(): Promise<string> {
    const [state, approvals, widgets, tasks, rules] = await Promise.all(
      ['/api/dashboard/state', '/api/approvals', '/api/widgets', '/api/tasks', '/api/approval-rules'].map((route) => call('GET', route)),
    );
    return JSON.stringify({
      state: state.body,
      approvals: (approvals.body as Array<{ id: string; status: string }>).map((a) => `${a.id}:${a.status === 'expired' ? 'pending' : a.status}`).sort(),
      widgets: widgets.body,
      tasks: (tasks.body as Array<{ id: string; status: string; progress: number }>).filter((t) => t.status === 'running').map((t) => `${t.id}:${t.progress}`).sort(),
      rules: rules.body,
    });
  }

  /** The fingerprint once accepted inputs have finished their work (two equal readings in a row). */
  async function settledFingerprint(): Promise<string> {
    let last = await fingerprint();
    for (let tries = 0; tries < 20; tries++) {
      await new Promise((r) => setTimeout(r, 25));
      const next = await fingerprint();
      if (next === last) return next;
      last = next;
    }
    return last;
  }

  /** Which parts of two fingerprints differ, and how (shortened). */
  function differences(before: string, after: string): string {
    const [a, b] = [JSON.parse(before) as Record<string, unknown>, JSON.parse(after) as Record<string, unknown>];
    return Object.keys(a)
      .filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]))
      .map((key) => {
        if (!Array.isArray(a[key]) || !Array.isArray(b[key])) return `${key}: ${JSON.stringify(a[key]).slice(0, 300)} → ${JSON.stringify(b[key]).slice(0, 300)}`;
        const [was, now] = [a[key] as unknown[], b[key] as unknown[]];
        return `${key}: gone ${JSON.stringify(was.filter((x) => !now.includes(x)))}, new ${JSON.stringify(now.filter((x) => !was.includes(x)))}`;
      })
      .join('\n    ');
  }

  it(`answers ${INPUTS} seeded inputs without a crash, a 5xx, a hang, a state change on refusal or unbounded memory`, async () => {
    const failures: Failure[] = [];
    const counts = { inputs: 0, crashes: 0, serverErrors: 0, hangs: 0, refused: 0, refusedBatchesChecked: 0, refusedChangedState: 0 };
    const byDoor: Record<string, number> = {};
    const fail = (index: number, door: string, what: string, input: string) => failures.push({ index, door, what, input });
    const rawWsStart = Math.floor(INPUTS * (1 - RAW_WS_SHARE));
    const wsStart = Math.floor(INPUTS * (1 - RAW_WS_SHARE - WS_FRAME_SHARE));
    const selected = (index: number) => ONLY === undefined || ONLY === index;

    const rssBefore = residentBytes(serve.child.pid!)!;
    let rssPeak = rssBefore;
    let before = await fingerprint();

    /** After a batch: the process must be alive; if every input was refused, nothing may have changed. */
    async function endBatch(indices: number[], allRefused: boolean, door: string) {
      const rss = residentBytes(serve.child.pid!);
      if (rss === undefined) await new Promise((r) => (alive() ? serve.child.once('exit', r) : r(undefined)));
      if (!alive()) {
        counts.crashes += 1;
        fail(indices[0], door, `relay exited (code ${serve.child.exitCode}, signal ${serve.child.signalCode}) during inputs ${indices.join(',')}`, serve.stderr.slice(-5).join('\n'));
        serve = await start();
        before = await fingerprint();
        return;
      }
      rssPeak = Math.max(rssPeak, rss!);
      // A WebSocket frame's work may end after the probe's answer: wait for it to settle.
      const after = allRefused || door !== 'ws-frame' ? await fingerprint() : await settledFingerprint();
      if (allRefused) {
        counts.refusedBatchesChecked += 1;
        if (after !== before) {
          counts.refusedChangedState += 1;
          fail(indices[0], door, `state changed although inputs ${indices.join(',')} were all refused`, differences(before, after));
        }
      }
      before = after;
    }

    // HTTP doors, CONCURRENCY at a time.
    for (let batchStart = 0; batchStart < wsStart; batchStart += CONCURRENCY) {
      const indices = Array.from({ length: Math.min(CONCURRENCY, wsStart - batchStart) }, (_, k) => batchStart + k).filter(selected);
      if (indices.length === 0) continue;
      const outcomes = await Promise.all(
        indices.map(async (index) => {
          const input = httpInput(index);
          const outcome = await rawRequest(port(), withToken(input.text), { halfClose: input.halfClose, timeoutMs: HANG_MS });
          counts.inputs += 1;
          byDoor[input.door] = (byDoor[input.door] ?? 0) + 1;
          judge(index, input, outcome);
          return { input, outcome };
        }),
      );
      const changesNothing = ({ input, outcome }: { input: HttpInput; outcome: RawOutcome }) =>
        // A half-closed request may have been carried out with its answer lost: only an answer tells.
        (outcome.kind === 'closed' && !input.halfClose) || (outcome.kind === 'status' && (outcome.status >= 400 || outcome.status === 101 || (input.door === 'http' && (input.method === 'GET' || input.method === 'HEAD'))));
      await endBatch(indices, outcomes.every(changesNothing), outcomes[0].input.door);
    }

    function judge(index: number, input: HttpInput, outcome: RawOutcome) {
      if (outcome.kind === 'hang') {
        counts.hangs += 1;
        fail(index, input.door, `no answer within ${HANG_MS} ms`, printable(input.text));
      } else if (outcome.kind === 'status' && outcome.status >= 500) {
        counts.serverErrors += 1;
        fail(index, input.door, outcome.head, printable(input.text));
      } else if (outcome.kind === 'closed' || outcome.status >= 400) counts.refused += 1;
    }

    function httpInput(index: number): HttpInput {
      const rng = inputRng(SEED, index);
      const roll = rng.int(100);
      if (roll < 60) return routeInput(rng, ids);
      if (roll < 75) return rawInput(rng, ids);
      if (roll < 85) return requestLineInput(rng);
      return upgradeInput(rng);
    }

    // WebSocket frames, one at a time on one socket, each followed by a probe that must be answered.
    let socket = await openSocket();
    const wsBatch: number[] = [];
    let wsBatchRefused = true;
    for (let index = wsStart; index < rawWsStart; index++) {
      if (!selected(index)) continue;
      const frame = wsFrameInput(inputRng(SEED, index), ids);
      counts.inputs += 1;
      byDoor['ws-frame'] = (byDoor['ws-frame'] ?? 0) + 1;
      const answer = await sendAndProbe(socket, frame.data, frame.binary, `probe-${index}`);
      if (answer.kind === 'hang') {
        counts.hangs += 1;
        fail(index, 'ws-frame', `no answer to the probe within ${HANG_MS} ms`, printable(frame.data));
      }
      if (answer.kind === 'refused') counts.refused += 1;
      else wsBatchRefused = false;
      if (socket.readyState !== WebSocket.OPEN) socket = await openSocket();
      wsBatch.push(index);
      if (wsBatch.length === CONCURRENCY) {
        await endBatch(wsBatch.splice(0), wsBatchRefused, 'ws-frame');
        wsBatchRefused = true;
      }
    }
    socket.terminate();

    // Raw WebSocket frame bytes after a good upgrade; the client then ends its side.
    for (let index = rawWsStart; index < INPUTS; index++) {
      if (!selected(index)) continue;
      const bytes = rawWsFrames(inputRng(SEED, index));
      const upgrade = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${token}\r\n\r\n`;
      const outcome = await rawUpgradeThenSend(port(), Buffer.from(upgrade), bytes, HANG_MS);
      counts.inputs += 1;
      byDoor['ws-raw'] = (byDoor['ws-raw'] ?? 0) + 1;
      if (outcome === 'hang') {
        counts.hangs += 1;
        fail(index, 'ws-raw', `the relay neither answered nor closed within ${HANG_MS} ms`, bytes.subarray(0, 64).toString('hex'));
      }
      if (index % CONCURRENCY === 0) await endBatch([index], false, 'ws-raw');
    }
    await endBatch([INPUTS - 1], false, 'end');

    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = residentBytes(serve.child.pid!) ?? rssPeak;
    const growth = rssAfter - rssBefore;
    const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

    if (ONLY === undefined) {
      recordReliability(
        'fuzz',
        `${counts.inputs} inputs, seed ${SEED}`,
        {
          inputs: counts.inputs,
          ...Object.fromEntries(Object.entries(byDoor).map(([door, n]) => [`inputs ${door}`, n])),
          crashes: counts.crashes,
          '5xx answers': counts.serverErrors,
          hangs: counts.hangs,
          'refused inputs': counts.refused,
          'refused batches checked': counts.refusedBatchesChecked,
          'refused inputs that changed state': counts.refusedChangedState,
          'RSS growth (MB)': mb(growth),
          'RSS peak (MB)': mb(rssPeak),
        },
        { crashes: '0', '5xx answers': '0', hangs: '0', 'refused inputs that changed state': '0', 'RSS growth (MB)': '< 64' },
      );
    }
    for (const f of failures.slice(0, 25)) console.log(`  fuzz failure seed=${SEED} index=${f.index} door=${f.door}: ${f.what}\n    input: ${f.input}`);
    if (failures.length > 25) console.log(`  … and ${failures.length - 25} more`);

    assert.equal(counts.inputs, ONLY === undefined ? INPUTS : 1, 'every input was sent');
    assert.ok(counts.refusedBatchesChecked > 0 || ONLY !== undefined, 'some batches were all refused, so the state check ran');
    assert.equal(counts.crashes, 0, 'the relay process never exited');
    assert.equal(counts.serverErrors, 0, 'no 5xx answer');
    assert.equal(counts.hangs, 0, 'every input was answered or closed in time');
    assert.equal(counts.refusedChangedState, 0, 'refused inputs changed nothing');
    assert.ok(growth < MEMORY_BOUND_BYTES, `RSS grew ${mb(growth)} MB (bound 64 MB)`);
  });

  function openSocket(): Promise<WebSocket> {
    const socket = new WebSocket(serve.url.replace(/^http/, 'ws') + '/ws', ['agent-mesh.v1'], { headers: { authorization: `Bearer ${token}` } });
    socket.on('error', () => undefined); // a socket the relay closes on a bad frame is expected here
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(socket));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  /**
   * Sends one fuzz frame, then a probe (`approval:watch` of the decided approval, answered at once).
   * `refused`: the hub refused the frame at the edge (an error frame with a validation code) or closed
   * the socket; `answered`: the frame reached the engine; `hang`: the probe got no answer in time.
   */
  function sendAndProbe(socket: WebSocket, data: string | Buffer, binary: boolean, probeId: string): Promise<{ kind: 'answered' | 'refused' | 'closed' | 'hang' }> {
    return new Promise((resolve) => {
      let refusedAtEdge = false;
      const done = (kind: 'answered' | 'refused' | 'closed' | 'hang') => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        socket.off('close', onClose);
        resolve({ kind });
      };
      const onMessage = (raw: WebSocket.RawData) => {
        const frame = JSON.parse(raw.toString()) as { type: string; id?: string; code?: string };
        if (frame.id === probeId) done(refusedAtEdge ? 'refused' : 'answered');
        else if (frame.type === 'error' && VALIDATION_CODES.has(frame.code ?? '')) refusedAtEdge = true;
      };
      const onClose = () => done('refused');
      const timer = setTimeout(() => done('hang'), HANG_MS);
      socket.on('message', onMessage);
      socket.once('close', onClose);
      if (socket.readyState !== WebSocket.OPEN) return done('closed');
      socket.send(data, { binary });
      socket.send(JSON.stringify({ type: 'approval:watch', id: probeId, approvalId: ids.decidedApproval }));
    });
  }
});
