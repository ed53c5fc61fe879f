import { strict as assert } from 'node:assert';
import type { Alert } from '../../src/shared/alerts';
import { activeAlerts, alertTime, reduceAlerts } from '../../src/webview/alerts/alertsView';

const alert = (id: string, firedAt: number, fields: Partial<Alert> = {}): Alert => ({ id, kind: 'context-window', severity: 'warning', subject: 's', message: id, firedAt, ...fields });

describe('alert widget', () => {
  it('adds a fired alert first, marks a dismissed one, and lists only those not dismissed, newest first', () => {
    let data = reduceAlerts(undefined, { name: 'fired', payload: alert('a', 1) });
    data = reduceAlerts(data, { name: 'fired', payload: alert('b', 2) });
    data = reduceAlerts(data, { name: 'fired', payload: alert('b', 2) });
    assert.deepEqual(data?.alerts.map((a) => a.id), ['b', 'a'], 'the same alert twice is listed once');
    data = reduceAlerts(data, { name: 'dismissed', payload: alert('b', 2, { dismissedAt: 3 }) });
    assert.deepEqual(activeAlerts(data).map((a) => a.id), ['a']);
    assert.equal(reduceAlerts(data, { name: 'snapshot', payload: { alerts: [] } }), data, 'a snapshot is applied by the channel store, not here');
    assert.deepEqual(activeAlerts({ alerts: [alert('old', 1), alert('new', 5), alert('mid', 3)] }).map((a) => a.id), ['new', 'mid', 'old']);
    assert.deepEqual(activeAlerts(undefined), []);
  });

  it('words the time of day for today, with the date for another day', () => {
    const now = Date.parse('2026-11-30T15:00:00');
    assert.doesNotMatch(alertTime(Date.parse('2026-11-30T14:05:00'), now), /Nov/);
    assert.match(alertTime(Date.parse('2026-11-29T14:05:00'), now), /Nov/);
  });
});
