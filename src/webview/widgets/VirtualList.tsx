import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

interface VirtualListProps<T> {
  items: T[];
  /** A row's height in px until it is measured; rows are at least this tall and may grow (cards do). */
  rowHeight: number;
  /** Rows of `rowHeight` visible at once; the list scrolls beyond. */
  visibleRows?: number;
  label: string;
  /** Identifies a row across updates, so a measured height follows its item when the list reorders. */
  rowKey?: (item: T, index: number) => string | number;
  renderRow: (item: T, index: number) => ComponentChildren;
  /** Rows rendered beyond each edge of the view, so a quick scroll shows no gap. */
  overscan?: number;
  class?: string;
  testId?: string;
}

/**
 * Renders only the rows in view (plus a few), so ten thousand entries cost as much as thirty. Rows
 * are measured once shown, so they may be of any height. The scroll area is focusable, so arrow keys
 * and Page Up/Down scroll it; the row holding the keyboard focus stays rendered when scrolled away;
 * rows carry their position in the whole list for screen readers.
 */
export function VirtualList<T>({ items, rowHeight, visibleRows = 10, label, rowKey = (_item, index) => index, renderRow, overscan = 6, class: className, testId }: VirtualListProps<T>) {
  const [scrollTop, setScrollTop] = useState(0);
  const [, setMeasured] = useState(0);
  const [focusedKey, setFocusedKey] = useState<string | undefined>();
  const heights = useRef(new Map<string, number>()).current;
  const container = useRef<HTMLDivElement>(null);
  const observer = useRef<ResizeObserver>();

  const keys = items.map((item, index) => String(rowKey(item, index)));
  const offsets = new Array<number>(items.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < items.length; i++) offsets[i + 1] = offsets[i] + (heights.get(keys[i]) ?? rowHeight);
  const total = offsets[items.length];
  const viewport = Math.min(total, visibleRows * rowHeight);

  const first = Math.max(0, firstAtOrAfter(offsets, scrollTop) - 1 - overscan);
  const last = Math.min(items.length, firstAtOrAfter(offsets, scrollTop + viewport) + overscan);
  const shown = new Set<number>();
  for (let i = first; i < last; i++) shown.add(i);
  const focusedIndex = focusedKey === undefined ? -1 : keys.indexOf(focusedKey);
  if (focusedIndex >= 0) shown.add(focusedIndex);

  useEffect(() => {
    observer.current = new ResizeObserver((entries) => {
      let changed = false;
      for (const entry of entries) {
        const row = entry.target as HTMLElement;
        const key = row.dataset.vkey;
        if (key === undefined || !row.isConnected) continue;
        const height = row.offsetHeight;
        if (heights.get(key) !== height) {
          heights.set(key, height);
          changed = true;
        }
      }
      if (changed) setMeasured((n) => n + 1);
    });
    return () => observer.current?.disconnect();
  }, []);
  // Rows come and go as the list scrolls: observe the ones now in the DOM (observing twice is a no-op).
  useLayoutEffect(() => {
    container.current?.querySelectorAll<HTMLElement>(':scope > .vlist-spacer > .vlist-row').forEach((row) => observer.current?.observe(row));
  });

  const rows = [...shown].sort((a, b) => a - b).map((i) => (
    <div
      key={keys[i]}
      role="listitem"
      aria-setsize={items.length}
      aria-posinset={i + 1}
      class="vlist-row"
      data-vkey={keys[i]}
      style={{ top: `${offsets[i]}px`, minHeight: `${rowHeight}px` }}
    >
      {renderRow(items[i], i)}
    </div>
  ));
  return (
    <div
      ref={container}
      class={className ? `vlist ${className}` : 'vlist'}
      role="list"
      aria-label={`${label} (${items.length})`}
      tabIndex={0}
      data-testid={testId}
      style={{ height: `${viewport}px` }}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLElement).scrollTop)}
      onFocusIn={(e) => {
        const row = (e.target as HTMLElement).closest<HTMLElement>('.vlist-row');
        setFocusedKey(row?.dataset.vkey);
      }}
    >
      <div class="vlist-spacer" style={{ height: `${total}px` }}>
        {rows}
      </div>
    </div>
  );
}

/** The index of the first row that starts at or after `y` (bisecting the rows' offsets). */
function firstAtOrAfter(offsets: number[], y: number): number {
  let low = 0;
  let high = offsets.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (offsets[middle] < y) low = middle + 1;
    else high = middle;
  }
  return low;
}
