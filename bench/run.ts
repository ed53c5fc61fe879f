// Runs the benchmarks in bench/*.bench.ts (or those named on the command line), side by side in one
// process, and writes each result to bench/results/<name>.json plus a Markdown table to stdout.
// Timings are informative; nothing here asserts on them.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface BenchCase {
  label: string;
  metrics: Record<string, number>;
}

export interface BenchResult {
  name: string;
  description: string;
  cases: BenchCase[];
  /** The headline comparisons, e.g. `{ "parallel vs sequential": 3.1 }` (× faster). */
  ratios: Record<string, number>;
  /** Headline measurements that are not ratios, the unit in the label, e.g. `{ "p99 at 10 clients (ms)": 0.7 }`. */
  figures?: Record<string, number>;
  targets?: Record<string, string>;
}

export interface Bench {
  name: string;
  run(): Promise<BenchResult>;
}

const dir = __dirname;
const resultsDir = path.join(dir, 'results');

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
  mkdirSync(resultsDir, { recursive: true });
  const machine = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', platform: `${os.platform()} ${os.arch()}` };
  let ran = 0;
  for (const file of files) {
    const bench = (await import(path.join(dir, file))).default as Bench;
    if (only.length > 0 && !only.includes(bench.name)) continue;
    process.stderr.write(`bench ${bench.name}…\n`);
    const result = await bench.run();
    ran += 1;
    writeFileSync(path.join(resultsDir, `${bench.name}.json`), JSON.stringify({ ...result, machine, at: new Date().toISOString() }, null, 2) + '\n');
    console.log(formatTable(result));
  }
  if (ran === 0) {
    console.error(`no benchmark matched ${only.join(', ') || '(none found)'}`);
    process.exit(1);
  }
  updateReadme();
}

/** Rewrites the README's benchmark section from every result file, so it always shows the latest run. */
function updateReadme(): void {
  const readme = path.join(dir, '..', 'README.md');
  const results = readdirSync(resultsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(resultsDir, f), 'utf8')) as BenchResult & { at: string });
  const table = ['| benchmark | measure | value | target |', '|---|---|---:|---|'];
  for (const r of results) {
    for (const [label, ratio] of Object.entries(r.ratios)) table.push(`| ${r.name} | ${label} | ${ratio.toFixed(2)}× | ${r.targets?.[label] ?? ''} |`);
    for (const [label, value] of Object.entries(r.figures ?? {})) table.push(`| ${r.name} | ${label} | ${format(value)} | ${r.targets?.[label] ?? ''} |`);
    for (const [label, target] of Object.entries(r.targets ?? {})) {
      if (!(label in r.ratios) && !(label in (r.figures ?? {}))) table.push(`| ${r.name} | ${label} | see bench/results/${r.name}.json | ${target} |`);
    }
  }
  const details = results.map((r) => formatTable(r).replace(/^### /, '#### '));
  table.push('', ...details);
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  if (!text.includes(start) || !text.includes(end)) return;
  writeFileSync(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n${table.join('\n')}\n${text.slice(text.indexOf(end))}`);
}

/** The p-th percentile (nearest rank) of a set of samples. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function formatTable(result: BenchResult): string {
  const metricNames = [...new Set(result.cases.flatMap((c) => Object.keys(c.metrics)))];
  const lines = [`### ${result.name}`, '', result.description, '', `| case | ${metricNames.join(' | ')} |`, `|---|${metricNames.map(() => '---:').join('|')}|`];
  for (const c of result.cases) lines.push(`| ${c.label} | ${metricNames.map((m) => format(c.metrics[m])).join(' | ')} |`);
  lines.push('');
  const target = (label: string) => (result.targets?.[label] ? ` (target ${result.targets[label]})` : '');
  for (const [label, ratio] of Object.entries(result.ratios)) lines.push(`- **${label}: ${ratio.toFixed(2)}×**${target(label)}`);
  for (const [label, value] of Object.entries(result.figures ?? {})) lines.push(`- **${label}: ${format(value)}**${target(label)}`);
  return lines.join('\n') + '\n';
}

function format(value: number | undefined): string {
  if (value === undefined) return '–';
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
