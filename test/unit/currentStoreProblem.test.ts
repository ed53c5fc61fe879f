import { strict as assert } from 'node:assert';
import { CurrentStoreProblem, StoreProblem } from '../../src/extension/engine/hooks/sessionStore';

describe('the problem of the store a service uses now', () => {
  it('follows its store, then only the store it moved to, and tells its listeners of the move', () => {
    const first = new StoreProblem();
    const second = new StoreProblem();
    const current = new CurrentStoreProblem(first);
    let heard = 0;
    current.onChange(() => (heard += 1));

    first.set('the file cannot be written');
    assert.equal(current.value, 'the file cannot be written');
    assert.equal(heard, 1);

    second.set('Redis is unreachable');
    current.follow(second);
    assert.equal(current.value, 'Redis is unreachable');
    assert.equal(heard, 2, 'the move itself may change the problem');

    first.set(undefined);
    assert.equal(heard, 2, 'the store left behind is no longer heard');
    second.set(undefined);
    assert.equal(current.value, undefined);
    assert.equal(heard, 3);
  });

  it('stops telling a listener that unsubscribed', () => {
    const source = new StoreProblem();
    const current = new CurrentStoreProblem(source);
    let heard = 0;
    const stop = current.onChange(() => (heard += 1));
    stop();
    source.set('down');
    assert.equal(heard, 0);
  });
});
