// Secret redaction on adversarial input: the time to redact each family at 64 KB and at 512 KB
// (fastest of several runs, the least disturbed by other work on the machine).
// A linear scan grows about 8× between the two sizes; a backtracking pattern grows about 64×. The
// previous regular expressions run side by side at 16 KB and 32 KB (4× for a quadratic pattern,
// 2× for a linear one), since at 512 KB they would run for minutes.
import { redactSecrets } from '../src/shared/redact';
import type { Bench, BenchCase } from './run';

const FAMILIES: Record<string, (size: number) => string> = {
  'scheme-like runs': (n) => 'a+'.repeat(n / 2),
  'url prefixes': (n) => 'a://'.repeat(n / 4),
  'colons, no at-sign': (n) => 'x://' + 'b:'.repeat(n / 2),
  'jwt prefixes': (n) => 'eyJ'.repeat(n / 3),
  'secret keys': (n) => 'password='.repeat(n / 9),
  'short key prefixes': (n) => 'sk-aaaa '.repeat(n / 8),
};

/** The patterns redaction used before: `\b…*` runs that backtrack on long inputs. */
const PREVIOUS_PATTERNS: RegExp[] = [
  /\bbearer\s+[a-z0-9._~+/=-]{8,}/i,
  /\bbasic\s+[a-z0-9+/=]{8,}/i,
  /\bsk-[a-z0-9_-]{16,}/i,
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/,
  /\beyJ[a-zA-Z0-9_-]{8,}\.[a-zA-Z0-9_-]{8,}\.[a-zA-Z0-9_-]{8,}/,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i,
];

/** The fastest of a few runs: the least disturbed by other work on the machine. */
function fastestMs(run: () => void, repeats: number): number {
  let fastest = Infinity;
  for (let i = 0; i < repeats; i += 1) {
    const start = process.hrtime.bigint();
    run();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return fastest;
}

const bench: Bench = {
  name: 'redact',
  async run() {
    const cases: BenchCase[] = [];
    let worstGrowth = 0;
    let worstPreviousGrowth = 0;
    let worstMsPerMb = 0;
    for (const [label, make] of Object.entries(FAMILIES)) {
      const small = make(64 * 1024);
      const large = make(512 * 1024);
      const ours64 = fastestMs(() => redactSecrets({ arg: small }), 9);
      const ours512 = fastestMs(() => redactSecrets({ arg: large }), 9);
      const [text16, text32] = [make(16 * 1024), make(32 * 1024)];
      const previous16 = fastestMs(() => PREVIOUS_PATTERNS.some((p) => p.test(text16)), 3);
      const previous32 = fastestMs(() => PREVIOUS_PATTERNS.some((p) => p.test(text32)), 3);
      worstGrowth = Math.max(worstGrowth, ours512 / ours64);
      worstPreviousGrowth = Math.max(worstPreviousGrowth, previous32 / previous16);
      worstMsPerMb = Math.max(worstMsPerMb, ours512 * 2);
      cases.push({ label, metrics: { 'ours 64 KB (ms)': ours64, 'ours 512 KB (ms)': ours512, 'ours growth 64→512 KB (×)': ours512 / ours64, 'previous 16 KB (ms)': previous16, 'previous 32 KB (ms)': previous32, 'previous growth 16→32 KB (×)': previous32 / previous16 } });
    }
    return {
      name: 'redact',
      description: 'Fastest of 9 runs to redact one adversarial argument (a JSON string value), per input family; growth is the time ratio for 8× (ours) or 2× (previous patterns) more input.',
      cases,
      ratios: {},
      figures: { 'worst growth, 8× input (×, linear ≈ 8)': worstGrowth, 'previous patterns, worst growth for 2× input (×, quadratic ≈ 4)': worstPreviousGrowth, 'worst time per MB (ms)': worstMsPerMb },
      targets: { 'worst growth, 8× input (×, linear ≈ 8)': '< 16' },
    };
  },
};

export default bench;
