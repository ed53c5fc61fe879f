// The cost-spike rule. Sessions carry only running totals, so the rule samples the total spending of
// all sessions (at most once a minute) and compares the last hour's increase with the usual hourly rate:
// the increase per hour over the up to 24 hours before that last hour. It needs two hours of that
// history first, and a spike must be at least SPIKE_FLOOR_USD, so cents on a quiet day never alert.
import { formatCost } from '../../../shared/sessions';
import type { AlertRule } from './rules';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
export const SPIKE_FACTOR = 2;
export const SPIKE_FLOOR_USD = 1;
export const MIN_USUAL_HISTORY_MS = 2 * HOUR_MS;
const HISTORY_MS = 25 * HOUR_MS;

interface SpendSample {
  at: number;
  totalMicro: number;
}

/** A new rule with its own history: one per monitor. */
export function costSpikeRule(): AlertRule {
  const samples: SpendSample[] = [];
  return ({ sessions, now }) => {
    const totalMicro = sessions.reduce((sum, session) => sum + Math.round((session.costUsd ?? 0) * 1e6), 0);
    while (samples.length > 0 && samples[0].at < now - HISTORY_MS) samples.shift();
    const last = samples.at(-1);
    if (!last || now - last.at >= MINUTE_MS) samples.push({ at: now, totalMicro });

    const hourAgo = samples.findLast((sample) => sample.at <= now - HOUR_MS);
    const oldest = samples[0];
    if (!hourAgo || hourAgo.at - oldest.at < MIN_USUAL_HISTORY_MS) return [];
    // Sessions past their retention leave the total: a drop is no spending, never a negative one.
    const lastHourUsd = Math.max(0, totalMicro - hourAgo.totalMicro) / 1e6;
    const usualPerHourUsd = (Math.max(0, hourAgo.totalMicro - oldest.totalMicro) / 1e6 / (hourAgo.at - oldest.at)) * HOUR_MS;
    if (lastHourUsd < SPIKE_FLOOR_USD || lastHourUsd <= SPIKE_FACTOR * usualPerHourUsd) return [];
    return [
      {
        key: 'cost-spike',
        kind: 'cost-spike',
        severity: 'info',
        subject: 'all agents',
        message: `Coding agents spent ${formatCost(lastHourUsd, false)} in the last hour, more than ${SPIKE_FACTOR}× the usual ${formatCost(usualPerHourUsd, false)} an hour.`,
      },
    ];
  };
}
