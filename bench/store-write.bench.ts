// What atomicity costs: the embedded store's temp-file + fsync + rename write against a plain
// overwrite, and what write coalescing saves on a burst of 200 dashboard updates.
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../src/extension/engine/log';
import { writeFileAtomic } from '../src/extension/engine/state/atomicFile';
import { FileStore } from '../src/extension/engine/state/fileStore';
import { StateService } from '../src/extension/engine/state/stateService';
import type { Bench, BenchCase } from './run';

const WRITES = 200;
const payload = JSON.stringify({ widgets: Array.from({ length: 200 }, (_, i) => ({ id: `w${i}`, title: `Widget ${i}`, value: i * 3.14 })) });

async function timeMs(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const bench: Bench = {
  name: 'store-write',
  async run() {
    const dir = mkdtempSync(path.join(tmpdir(), 'am-bench-store-'));
    try {
      const file = path.join(dir, 'state.json');
      const plain = await timeMs(async () => {
        for (let i = 0; i < WRITES; i++) await writeFile(file, payload);
      });
      const atomic = await timeMs(async () => {
        for (let i = 0; i < WRITES; i++) await writeFileAtomic(file, payload);
      });
      let saves = 0;
      const store = new FileStore(path.join(dir, 'coalesced.json'));
      const counting = { kind: store.kind, load: () => store.load(), close: () => store.close(), save: (d: Parameters<FileStore['save']>[0]) => (saves++, store.save(d)) };
      const service = new StateService(counting, silentLogger);
      const burst = await timeMs(async () => {
        await Promise.all(Array.from({ length: WRITES }, (_, i) => service.update(['widgets', `w${i}`], { value: i }, { version: 1, timestamp: i, deviceId: 'bench' })));
      });
      const cases: BenchCase[] = [
        { label: 'plain writeFile (not crash-safe)', metrics: { totalMs: plain, perWriteMs: plain / WRITES } },
        { label: 'atomic write (temp + fsync + rename)', metrics: { totalMs: atomic, perWriteMs: atomic / WRITES } },
        { label: `burst of ${WRITES} updates, coalesced`, metrics: { totalMs: burst, fileWrites: saves } },
      ];
      return {
        name: 'store-write',
        description: `${WRITES} writes of a ${(payload.length / 1024).toFixed(0)} KB state file.`,
        cases,
        ratios: {
          'atomic vs plain (cost)': atomic / plain,
          'coalesced burst vs one atomic write per update': atomic / burst,
        },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
