// Short (CI) or long runs of the reliability suites: RELIABILITY_LONG=1 runs the long versions.
export const LONG = process.env.RELIABILITY_LONG === '1';

/** A whole number from the environment, else `fallback`. */
export function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}
