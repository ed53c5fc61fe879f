import { strict as assert } from 'node:assert';
import type { Recoveries } from '../../src/extension/engine/state/recoveries';

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The recoveries hold exactly one sentence per file named, in order: its base name, its set-aside name and the outcome, nothing else (no folder). */
export function assertRecovered(recoveries: Recoveries, expected: Array<[name: string, outcome: string]>): void {
  const notices = recoveries.list();
  assert.equal(notices.length, expected.length, notices.join('\n'));
  expected.forEach(([name, outcome], i) => {
    assert.match(notices[i], new RegExp(`^${escaped(name)} was damaged and set aside as ${escaped(name)}\\.unreadable-\\d+; ${escaped(outcome)}$`));
  });
}
