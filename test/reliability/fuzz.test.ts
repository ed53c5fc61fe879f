// A seeded fuzzer for every door of a real `agent-mesh serve`: HTTP requests on raw sockets (request
// line, path, query, headers, body, broken framing), WebSocket upgrades, WebSocket frames (JSON of
// every frame type, not-JSON, binary) and raw WebSocket frame bytes. It counts crashes, 5xx answers,
// hangs, well-formed requests closed without an answer, refused inputs that changed state, and the
// relay's memory growth (fuzzVerdict.ts says how an HTTP outcome is read). A failing input is
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
import { rawRequest, rawUpgradeThenSend } from '../helpers/rawHttp';
import { recordReliability } from '../helpers/reliabilityResults';
import { startServe, type ServeProcess } from '../helpers/serve';
import { requestJson } from '../helpers/serveFixture';
import { LONG, envCount } from './mode';
import { rawInput, rawWsFrames, requestLineInput, routeInput, TOKEN_MARK, upgradeInput, wsFrameInput, type KnownIds } from './fuzzInputs';
import { httpVerdict } from './fuzzVerdict';

const SEED = envCount('AGENT_MESH_FUZZ_SEED', 20261130);
const INPUTS = envCount('AGENT_MESH_FUZZ_INPUTS', LONG ? 200_000 : 10_000);
const ONLY = process.env.AGENT_MESH_FUZZ_ONLY === undefined ? undefined : envCount('AGENT_MESH_FUZZ_ONLY', 0);
/** An answer later than this is a hang (a liveness bound, not a timing target). */
const HANG_MS = 10_000;
const CONCURRENCY = 8;
const MEMORY_BOUND_BYTES = 64 * 1024 * 1024;
const WARM_UP = Math.min(1000, Math.floor(INPUTS / 10));
/** Error codes the hub answers before a frame reaches the engine: such a frame must change nothing. */
const VALIDATION_CODES = new Set(['invalid_json', 'frame_too_large', 'unknown_type', 'invalid_frame', 'forbidden_path']);
/** Frame types that change something; the relay answers each with a frame carrying its id. */
const CHANGING_FRAME_TYPES = new Set(['state:update', 'approval:request', 'approval:decide', 'approval:cancel', 'task:start', 'task:report']);

type ProbeResult = 'refused' | 'settled' | 'unsettled' | 'closed' | 'hang';

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What one input did: `changesNothing` when its answer proves it was refused (or only read). */
interface Ran {
  door: string;
  changesNothing: boolean;
  /** Its work may go on after its answer (a WebSocket frame whose own answer has not come, a request whose answer was lost). */
  unsettled?: boolean;
}

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
    await writeFile(path.join(workspace, 'agent-mesh.config.json'), JSON.stringify({ 'agentMesh.logs.directories': ['agent-logs'] }));
    await mkdir(path.join(workspace, 'agent-logs'));
    await writeFile(path.join(workspace, 'agent-logs', 'tools.jsonl'), `${JSON.stringify({ tool: 'migrate', input: { table: 'events' }, success: true })}\nnot json\n`);
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
  const printable = (bytes: Buffer | string) => JSON.stringify(bytes.toString().split(TOKEN_MARK).join('<token>').slice(0, 300));

  async function seedRelay(): Promise<KnownIds> {
    const pending = await call('POST', '/api/approvals', { title: 'Fuzz pending', confidence: 10, risk: 'high', timeoutMs: 3_600_000 });
    const decided = await call('POST', '/api/approvals', { title: 'Fuzz decided', confidence: 10, risk: 'high', timeoutMs: 3_600_000 });
    await call('POST', `/api/approvals/${decided.body.id}/decision`, { decision: 'approve' });
    const task = await call('POST', '/api/tasks', { title: 'Fuzz task', steps: [{ name: 'scan' }] });
    await call('POST', '/api/widgets', { id: 'fuzz-widget', type: 'alert', data: { severity: 'info', title: 'Fuzz' } });
    await call('POST', '/api/dashboard/state', { version: 0, state: { seeded: { by: 'fuzz' } } });
    const tools = (await call('GET', '/api/mcp/servers/fixture')).body.tools as Array<{ name: string }>;
    const [log] = (await call('GET', '/api/logs')).body.logs as Array<{ id: string }>;
    assert.ok(pending.body.id && decided.body.id && task.body.id && tools.length > 0 && log, 'the relay was seeded');
    return { pendingApproval: pending.body.id, decidedApproval: decided.body.id, task: task.body.id, widget: 'fuzz-widget', mcpServer: 'fixture', mcpTool: tools[0].name, log: log.id };
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
    const counts = { inputs: 0, crashes: 0, serverErrors: 0, hangs: 0, dropped: 0, answersLost: 0, refused: 0, refusedBatchesChecked: 0, refusedChangedState: 0 };
    const byDoor: Record<string, number> = {};
    const fail = (index: number, door: string, what: string, input: string) => failures.push({ index, door, what, input });
    const hang = (index: number, door: string, input: string) => {
      counts.hangs += 1;
      fail(index, door, `no answer within ${HANG_MS} ms`, input);
    };

    // The baseline is taken once the relay process has handled WARM_UP inputs (every door, interleaved;
    // counted again after a restart), so the growth is what the rest add, not the heap's first growth.
    let rssBaseline: number | undefined;
    let handledByThisProcess = 0;
    let rssPeak = 0;
    let before = await fingerprint();
    let socket = await openSocket();
    /** WebSocket frames share one socket: each waits for the previous one's probe. */
    let socketTurn = Promise.resolve();

    /** Runs input `index` through its door; resolves whether its outcome proves it changed nothing. */
    async function run(index: number): Promise<Ran> {
      const rng = inputRng(SEED, index);
      const roll = rng.int(100);
      const door = roll < 45 ? 'http' : roll < 56 ? 'raw-http' : roll < 64 ? 'request-line' : roll < 75 ? 'upgrade' : roll < 97 ? 'ws-frame' : 'ws-raw';
      counts.inputs += 1;
      byDoor[door] = (byDoor[door] ?? 0) + 1;
      if (door === 'ws-frame') {
        const frame = wsFrameInput(rng, ids);
        const turn = socketTurn.then(async (): Promise<ProbeResult> => {
          // The relay may have died in this batch: the frame is then not sent (the crash is counted).
          if (socket.readyState !== WebSocket.OPEN) socket = await openSocket().catch(() => socket);
          return sendAndProbe(socket, frame.data, frame.binary, `probe-${index}`);
        });
        socketTurn = turn.then(() => undefined);
        const answer = await turn;
        if (answer === 'hang') hang(index, door, printable(frame.data));
        if (answer === 'refused') counts.refused += 1;
        return { door, changesNothing: answer === 'refused', unsettled: answer === 'unsettled' || answer === 'hang' };
      }
      if (door === 'ws-raw') {
        const bytes = rawWsFrames(rng);
        const upgrade = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${token}\r\n\r\n`;
        if ((await rawUpgradeThenSend(port(), Buffer.from(upgrade), bytes, HANG_MS)) === 'hang') hang(index, door, bytes.subarray(0, 64).toString('hex'));
        return { door, changesNothing: false }; // a frame in the bytes may be a good one
      }
      const input = door === 'http' ? routeInput(rng, ids) : door === 'raw-http' ? rawInput(rng, ids) : door === 'request-line' ? requestLineInput(rng) : upgradeInput(rng);
      const outcome = await rawRequest(port(), withToken(input.text), { halfClose: input.halfClose, timeoutMs: HANG_MS });
      const verdict = httpVerdict(input, outcome);
      if (verdict.count === 'hang') hang(index, door, printable(input.text));
      else if (verdict.count === 'server error') {
        counts.serverErrors += 1;
        fail(index, door, outcome.kind === 'status' ? outcome.head : '5xx', printable(input.text));
      } else if (verdict.count === 'dropped') {
        counts.dropped += 1;
        fail(index, door, 'closed without an answer', printable(input.text));
      } else if (verdict.count === 'answer lost') counts.answersLost += 1;
      else if (verdict.count === 'refused') counts.refused += 1;
      return { door, changesNothing: verdict.changesNothing, unsettled: verdict.unsettled };
    }

    /** After a batch: the process must be alive; if every input was refused, nothing may have changed. */
    async function endBatch(indices: number[], results: Ran[]) {
      const rss = residentBytes(serve.child.pid!);
      if (rss === undefined) await new Promise((r) => (alive() ? serve.child.once('exit', r) : r(undefined)));
      if (!alive()) {
        counts.crashes += 1;
        fail(indices[0], results.map((r) => r.door).join(','), `relay exited (code ${serve.child.exitCode}, signal ${serve.child.signalCode}) during inputs ${indices.join(',')}`, serve.stderr.slice(-5).join('\n'));
        serve = await start();
        socket = await openSocket();
        before = await fingerprint();
        rssBaseline = undefined;
        handledByThisProcess = 0;
        return;
      }
      rssPeak = Math.max(rssPeak, rss!);
      handledByThisProcess += indices.length;
      if (rssBaseline === undefined && handledByThisProcess >= WARM_UP) rssBaseline = rss;
      const allRefused = results.every((r) => r.changesNothing);
      // A WebSocket frame's work may end after its probe's answer: then wait for the state to settle.
      const after = results.some((r) => r.unsettled) ? await settledFingerprint() : await fingerprint();
      if (allRefused) {
        counts.refusedBatchesChecked += 1;
        if (after !== before) {
          counts.refusedChangedState += 1;
          fail(indices[0], results.map((r) => r.door).join(','), `state changed although inputs ${indices.join(',')} were all refused`, differences(before, after));
        }
      }
      before = after;
    }

    for (let batchStart = 0; batchStart < INPUTS; batchStart += CONCURRENCY) {
      const indices = Array.from({ length: Math.min(CONCURRENCY, INPUTS - batchStart) }, (_, k) => batchStart + k).filter((i) => ONLY === undefined || ONLY === i);
      if (indices.length > 0) await endBatch(indices, await Promise.all(indices.map(run)));
    }
    socket.terminate();

    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = residentBytes(serve.child.pid!) ?? rssPeak;
    // Undefined when the last relay process (restarted after a crash) did not get past the warm-up.
    const growth = rssBaseline === undefined ? undefined : rssAfter - rssBaseline;
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
          'well-formed requests closed without an answer': counts.dropped,
          'half-closed requests whose answer was lost': counts.answersLost,
          'refused inputs': counts.refused,
          'refused batches checked': counts.refusedBatchesChecked,
          'refused inputs that changed state': counts.refusedChangedState,
          ...(growth === undefined ? {} : { 'RSS growth after warm-up (MB)': mb(growth) }),
          'RSS peak (MB)': mb(rssPeak),
        },
        { crashes: '0', '5xx answers': '0', hangs: '0', 'well-formed requests closed without an answer': '0', 'refused inputs that changed state': '0', 'RSS growth after warm-up (MB)': '< 64' },
      );
    }
    // The rarer kinds first: a crash, a hang or a changed state matters more than the 26th 5xx.
    failures.sort((a, b) => Number(a.what.startsWith('HTTP/')) - Number(b.what.startsWith('HTTP/')));
    for (const f of failures.slice(0, 25)) console.log(`  fuzz failure seed=${SEED} index=${f.index} door=${f.door}: ${f.what}\n    input: ${f.input}`);
    if (failures.length > 25) console.log(`  … and ${failures.length - 25} more`);

    assert.equal(counts.inputs, ONLY === undefined ? INPUTS : 1, 'every input was sent');
    assert.ok(counts.refusedBatchesChecked > 0 || ONLY !== undefined, 'some batches were all refused, so the state check ran');
    assert.equal(counts.crashes, 0, 'the relay process never exited');
    assert.equal(counts.serverErrors, 0, 'no 5xx answer');
    assert.equal(counts.hangs, 0, 'every input was answered or closed in time');
    assert.equal(counts.dropped, 0, 'every well-formed request was answered, not closed');
    assert.equal(counts.refusedChangedState, 0, 'refused inputs changed nothing');
    assert.ok(growth === undefined || growth < MEMORY_BOUND_BYTES, `RSS grew ${mb(growth ?? 0)} MB after the warm-up (bound 64 MB)`);
  });

  function openSocket(): Promise<WebSocket> {
    const socket = new WebSocket(serve.url.replace(/^http/, 'ws') + '/ws', ['agent-mesh.v1'], { headers: { authorization: `Bearer ${token}` } });
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        socket.on('error', () => undefined); // a socket the relay closes on a bad frame is expected here
        resolve(socket);
      });
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  /**
   * Sends one fuzz frame, then a probe (`approval:watch` of the decided approval, answered at once).
   * `refused`: the hub refused the frame at the edge (an error frame with a validation code) or closed
   * the socket. `settled`: the frame reached the engine and its work is done (its own answer came, or
   * its type changes nothing); `unsettled`: it may still be at work (a changing frame without an id,
   * or its answer is late). `hang`: the probe got no answer in time.
   */
  function sendAndProbe(socket: WebSocket, data: string | Buffer, binary: boolean, probeId: string): Promise<ProbeResult> {
    const sent = typeof data === 'string' ? parseObject(data) : undefined;
    const changing = typeof sent?.type === 'string' && CHANGING_FRAME_TYPES.has(sent.type);
    const ownId = changing && typeof sent?.id === 'string' ? sent.id : undefined;
    return new Promise((resolve) => {
      let refusedAtEdge = false;
      let probed = false;
      let ownAnswer = false;
      const done = (result: ProbeResult) => {
        clearTimeout(timer);
        clearTimeout(lateTimer);
        socket.off('message', onMessage);
        socket.off('close', onClose);
        resolve(result);
      };
      const settleIfDone = () => {
        if (!probed) return;
        if (refusedAtEdge) done('refused');
        else if (!changing || ownAnswer) done('settled');
        else if (ownId === undefined) done('unsettled');
        else lateTimer = setTimeout(() => done('unsettled'), 2000);
      };
      const onMessage = (raw: WebSocket.RawData) => {
        const frame = JSON.parse(raw.toString()) as { type: string; id?: string; code?: string };
        if (frame.id === probeId) probed = true;
        else if (frame.type === 'error' && VALIDATION_CODES.has(frame.code ?? '')) refusedAtEdge = true;
        else if (ownId !== undefined && frame.id === ownId) ownAnswer = true;
        else return;
        if (!lateTimer) settleIfDone();
        else if (ownAnswer) done('settled');
      };
      const onClose = () => done('refused');
      const timer = setTimeout(() => done('hang'), HANG_MS);
      let lateTimer: NodeJS.Timeout | undefined;
      socket.on('message', onMessage);
      socket.once('close', onClose);
      if (socket.readyState !== WebSocket.OPEN) return done('closed');
      socket.send(data, { binary });
      socket.send(JSON.stringify({ type: 'approval:watch', id: probeId, approvalId: ids.decidedApproval }));
    });
  }
});
