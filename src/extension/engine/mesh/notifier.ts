import type { MeshTransition } from '../../../shared/mesh';

/**
 * Gathers status transitions for `delayMs` after the first one and hands them over together, so
 * a person gets one notification for an outage of several agents, and none for an agent that went
 * down and came back within the window.
 */
export class TransitionDebouncer {
  private readonly pending = new Map<string, MeshTransition>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly delayMs: number,
    private readonly deliver: (transitions: MeshTransition[]) => void,
  ) {}

  push(transition: MeshTransition): void {
    const earlier = this.pending.get(transition.id);
    const merged = earlier ? { ...transition, from: earlier.from } : transition;
    // Back where it started (or first seen healthy): nothing worth telling.
    if (merged.from === merged.to || (merged.from === 'unknown' && merged.to !== 'unhealthy')) this.pending.delete(transition.id);
    else this.pending.set(transition.id, merged);
    if (!this.timer && this.pending.size > 0) this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  /** Delivers what is pending now (also what the timer does). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const transitions = [...this.pending.values()];
    this.pending.clear();
    this.deliver(transitions);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

/** One line for a batch of transitions, e.g. "Reviewer is down (connection refused)". */
export function describeTransitions(transitions: MeshTransition[]): { text: string; down: boolean } {
  const down = transitions.filter((t) => t.to === 'unhealthy');
  const up = transitions.filter((t) => t.to === 'healthy');
  const parts: string[] = [];
  if (down.length === 1) parts.push(`${down[0].name} is down${down[0].error ? ` (${down[0].error})` : ''}`);
  else if (down.length > 1) parts.push(`${down.length} agents are down: ${down.map((t) => t.name).join(', ')}`);
  if (up.length === 1) parts.push(`${up[0].name} recovered`);
  else if (up.length > 1) parts.push(`${up.length} agents recovered: ${up.map((t) => t.name).join(', ')}`);
  return { text: parts.join('; '), down: down.length > 0 };
}
