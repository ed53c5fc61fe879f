// Rewrites the README's reliability section (between its markers) from the figures the reliability
// suites wrote to test-results/reliability.json, so the table always shows the latest run.
// Usage: npx tsx scripts/reliability-table.ts
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RELIABILITY_RESULTS, type ReliabilityResults } from '../test/helpers/reliabilityResults';

const README = path.resolve(__dirname, '..', 'README.md');
const START = '<!-- reliability:start -->';
const END = '<!-- reliability:end -->';

/** Whether `value` keeps `bound`: "0" (exactly), "< 64" (below), "2–8" (inclusive range). */
export function withinBound(value: number, bound: string): boolean {
  const below = /^<\s*(-?[\d.]+)$/.exec(bound);
  if (below) return value < Number(below[1]);
  const range = /^(-?[\d.]+)\s*[–-]\s*(-?[\d.]+)$/.exec(bound);
  if (range) return value >= Number(range[1]) && value <= Number(range[2]);
  return value === Number(bound);
}

export function renderTable(results: ReliabilityResults): string {
  const lines = ['| check | run | measure | value | bound | |', '|---|---|---|---:|---|---|'];
  for (const check of results.checks) {
    const run = `${check.mode}, ${check.at.slice(0, 10)}: ${check.detail}`;
    Object.entries(check.metrics).forEach(([measure, value], i) => {
      const bound = check.bounds[measure];
      const verdict = bound === undefined ? '' : withinBound(value, bound) ? 'pass' : '**fail**';
      lines.push(`| ${i === 0 ? check.label : ''} | ${i === 0 ? run : ''} | ${measure} | ${value} | ${bound ?? ''} | ${verdict} |`);
    });
  }
  return lines.join('\n');
}

function main(): void {
  const results = JSON.parse(readFileSync(RELIABILITY_RESULTS, 'utf8')) as ReliabilityResults;
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section`);
  writeFileSync(README, `${text.slice(0, start + START.length)}\n${renderTable(results)}\n${text.slice(end)}`);
  console.log(`README.md reliability table: ${results.checks.length} checks from ${path.relative(process.cwd(), RELIABILITY_RESULTS)}`);
}

if (require.main === module) main();
