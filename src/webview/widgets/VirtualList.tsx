import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

interface VirtualListProps<T> {
  items: T[];
  /** Every row has this height in px: windowing needs no measuring then. */
  rowHeight: number;
  /** Rows visible at once; the list scrolls beyond. */
  visibleRows?: number;
  label: string;
  renderRow: (item: T, index: number) => ComponentChildren;
}

const OVERSCAN = 6;

/**
 * Renders only the rows in view (plus a few), so ten thousand entries cost as much as thirty. The
 * scroll area is focusable, so arrow keys and Page Up/Down scroll it; rows carry their position
 * for screen readers.
 */
export function VirtualList<T>({ items, rowHeight, visibleRows = 10, label, renderRow }: VirtualListProps<T>) {
  const [scrollTop, setScrollTop] = useState(0);
  const viewport = Math.min(items.length, visibleRows) * rowHeight;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} role="listitem" aria-setsize={items.length} aria-posinset={i + 1} class="vlist-row" style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
        {renderRow(items[i], i)}
      </div>,
    );
  }
  return (
    <div class="vlist" role="list" aria-label={`${label} (${items.length})`} tabIndex={0} style={{ height: `${viewport}px` }} onScroll={(e) => setScrollTop((e.currentTarget as HTMLElement).scrollTop)}>
      <div class="vlist-spacer" style={{ height: `${items.length * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
