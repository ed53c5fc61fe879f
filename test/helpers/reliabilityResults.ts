import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where the reliability suites write their figures (the README table is rendered from it). */
export const RELIABILITY_RESULTS = path.resolve(__dirname, '../../test-results/reliability.json');

export interface ReliabilityCheck {
  label: string;
  /** What was run, e.g. "10000 inputs, seed 1". */
  detail: string;
  mode: 'short' | 'long';
  at: string;
  metrics: Record<string, number>;
  /** The bound a metric must stay within for the check to pass, e.g. `{ crashes: "0" }`. */
  bounds: Record<string, string>;
}

export interface ReliabilityResults {
  description: string;
  checks: ReliabilityCheck[];
  machine: { node: string; cpus: number; platform: string };
}

/** Replaces check `label` in the results file with this run's figures, keeping the other checks. */
export function recordReliability(label: string, detail: string, metrics: Record<string, number>, bounds: Record<string, string>): void {
  const results: ReliabilityResults = existsSync(RELIABILITY_RESULTS)
    ? (JSON.parse(readFileSync(RELIABILITY_RESULTS, 'utf8')) as ReliabilityResults)
    : { description: 'Reliability suites (test/reliability): fuzzer, load test and fault tests against real relays.', checks: [], machine: machine() };
  const check: ReliabilityCheck = { label, detail, mode: process.env.RELIABILITY_LONG === '1' ? 'long' : 'short', at: new Date().toISOString(), metrics, bounds };
  const at = results.checks.findIndex((c) => c.label === label);
  if (at >= 0) results.checks[at] = check;
  else results.checks.push(check);
  results.machine = machine();
  mkdirSync(path.dirname(RELIABILITY_RESULTS), { recursive: true });
  const temp = `${RELIABILITY_RESULTS}.tmp`;
  writeFileSync(temp, JSON.stringify(results, null, 2) + '\n');
  renameSync(temp, RELIABILITY_RESULTS);
}

function machine() {
  return { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` };
}
