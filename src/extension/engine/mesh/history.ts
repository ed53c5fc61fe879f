import type { MeshHistoryPoint, MeshHistoryStats } from '../../../shared/mesh';

/** A fixed-capacity ring of check results: memory stays bounded however long the engine runs. */
export class CheckHistory {
  private readonly points: (MeshHistoryPoint | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
    this.points = new Array<MeshHistoryPoint | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(point: MeshHistoryPoint): void {
    this.points[this.next] = point;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The newest `count` points (all by default), oldest first. */
  latest(count = this.size): MeshHistoryPoint[] {
    const n = Math.min(count, this.size);
    const out: MeshHistoryPoint[] = [];
    for (let i = n; i > 0; i--) out.push(this.points[(this.next - i + this.capacity) % this.capacity]!);
    return out;
  }

  /** Uptime and latency over the points kept at or after `since` (epoch ms). */
  stats(since = 0): MeshHistoryStats {
    const window = this.latest().filter((p) => p.at >= since);
    if (window.length === 0) return { checks: 0 };
    const ok = window.filter((p) => p.ok);
    const latencies = ok.map((p) => p.latencyMs).filter((l): l is number => l !== undefined).sort((a, b) => a - b);
    const stats: MeshHistoryStats = { checks: window.length, uptimePct: round1((ok.length / window.length) * 100), since: window[0].at };
    if (latencies.length > 0) {
      stats.avgLatencyMs = Math.round(latencies.reduce((sum, l) => sum + l, 0) / latencies.length);
      stats.p95LatencyMs = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.95) - 1)];
    }
    return stats;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
