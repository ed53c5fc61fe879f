import assert from 'node:assert/strict';
import { StoreSwitch } from '../../src/extension/engine/storeSwitch';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('a service moving to another store (StoreSwitch)', () => {
  it('runs one move at a time, and a write waiting at the passage goes on only after every move queued before it', async () => {
    const storeSwitch = new StoreSwitch();
    const log: string[] = [];
    const first = gate();
    const firstMove = storeSwitch.moving(async () => {
      log.push('first move starts');
      await first.opened;
      log.push('first move ends');
    });
    const secondMove = storeSwitch.moving(async () => {
      log.push('second move');
    });
    assert.equal(storeSwitch.busy, true);
    const write = storeSwitch.passage().then(() => log.push('write'));
    await Promise.resolve();
    assert.deepEqual(log, ['first move starts']);
    first.open();
    await Promise.all([firstMove, secondMove, write]);
    assert.deepEqual(log, ['first move starts', 'first move ends', 'second move', 'write']);
    assert.equal(storeSwitch.busy, false);
  });

  it('gives a failed move to its caller only: the next move and the waiting writes go on', async () => {
    const storeSwitch = new StoreSwitch();
    const failed = storeSwitch.moving(async () => {
      throw new Error('the new store cannot open');
    });
    let moved = false;
    const next = storeSwitch.moving(async () => {
      moved = true;
    });
    await assert.rejects(failed, /cannot open/);
    await storeSwitch.passage();
    await next;
    assert.equal(moved, true);
    assert.equal(storeSwitch.busy, false);
  });
});
