import type { ComponentChildren } from 'preact';
import { VirtualList } from './VirtualList';

/** Up to this many cards a list renders whole (in the page's flow, so the browser's Find sees every card); longer ones are windowed. */
export const WINDOWED_FROM = 40;
/** Cards in view at once in a windowed list, by the list's height estimate. */
const VISIBLE_CARDS = 8;
/** Cards are tall: two beyond each edge cover a quick scroll. */
const OVERSCAN_CARDS = 2;

interface CardListProps<T> {
  items: T[];
  label: string;
  /** A card's usual height in px, the windowed list's estimate until it measures the card. */
  estimatedHeight: number;
  cardKey: (item: T) => string;
  renderCard: (item: T) => ComponentChildren;
  class: string;
  testId?: string;
}

/** A panel's list of cards: a plain list while short, a VirtualList past WINDOWED_FROM cards. */
export function CardList<T>({ items, label, estimatedHeight, cardKey, renderCard, class: className, testId }: CardListProps<T>) {
  if (items.length <= WINDOWED_FROM) {
    return (
      <ul class={className} aria-label={label} data-testid={testId}>
        {items.map((item) => (
          <li key={cardKey(item)}>{renderCard(item)}</li>
        ))}
      </ul>
    );
  }
  return (
    <VirtualList
      items={items}
      rowHeight={estimatedHeight}
      visibleRows={VISIBLE_CARDS}
      label={label}
      rowKey={cardKey}
      renderRow={renderCard}
      overscan={OVERSCAN_CARDS}
      class={`vlist-cards ${className}`}
      testId={testId}
    />
  );
}
