import { readFileSync } from 'node:fs';

/** The resident set size of process `pid` in bytes, from /proc/PID/status (Linux); undefined once it has exited. */
export function residentBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status); // a zombie has no VmRSS
  return match ? Number(match[1]) * 1024 : undefined;
}
