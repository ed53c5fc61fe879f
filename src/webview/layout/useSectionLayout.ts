import { useEffect, useMemo, useState } from 'preact/hooks';
import type { JsonObject, JsonValue } from '../../shared/protocol';
import { sectionElementId } from '../overview/OverviewStrip';
import { arrangeSections, LAYOUT_PATH, layoutOf, layoutValue, moveSection, moveSectionTo, revealSection, toggleCollapsed, toggleHidden, togglePinned, type DashboardLayout } from './layout';

export type SectionAction = 'pin' | 'up' | 'down' | 'collapse' | 'hide' | 'show';

const OPERATIONS: Record<SectionAction, (layout: DashboardLayout, id: string) => DashboardLayout> = {
  pin: togglePinned,
  up: (layout, id) => moveSection(layout, id, 'up'),
  down: (layout, id) => moveSection(layout, id, 'down'),
  collapse: toggleCollapsed,
  hide: toggleHidden,
  show: toggleHidden,
};

/**
 * The layout of the dashboard's sections, read from the shared state and written back whole
 * through `write` (the same optimistic path as the shared notes), so every dashboard shows it.
 * The keyboard focus follows the section: after a move it stays on the button that moved it (or
 * its title when it cannot move further), after a hide it goes to the "Hidden sections" control,
 * after a show to the section's title. A jump reveals the section (shows and expands it) before it
 * scrolls there.
 */
export function useSectionLayout(state: JsonObject, panelIds: readonly string[], write: ((path: string, value: JsonValue) => void) | undefined) {
  const layout = useMemo(() => layoutOf(state, panelIds), [state, panelIds]);
  const arranged = useMemo(() => arrangeSections(layout), [layout]);
  /** Where the focus goes once the changed layout has rendered: CSS selectors, the first present one wins. */
  const [focusAfter, setFocusAfter] = useState<string[] | undefined>();
  const [jumpTarget, setJumpTarget] = useState<string | undefined>();

  const change = (next: DashboardLayout) => {
    if (next !== layout) write?.(LAYOUT_PATH, layoutValue(next));
  };
  const act = (id: string, action: SectionAction) => {
    change(OPERATIONS[action](layout, id));
    const section = `#${CSS.escape(sectionElementId(id))}`;
    if (action === 'up' || action === 'down') setFocusAfter([`${section} [data-action="${action}"]:not(:disabled)`, `${section} .section-toggle`]);
    if (action === 'hide') setFocusAfter(['.hidden-sections summary']);
    if (action === 'show') setFocusAfter([`${section} .section-toggle`]);
  };
  const moveTo = (id: string, targetId: string) => change(moveSectionTo(layout, id, targetId));
  const jump = (id: string) => {
    const revealed = revealSection(layout, id);
    if (revealed === layout) return scrollToSection(sectionElementId(id));
    change(revealed);
    setJumpTarget(id);
  };

  useEffect(() => {
    if (!focusAfter) return;
    setFocusAfter(undefined);
    for (const selector of focusAfter) {
      const target = document.querySelector<HTMLElement>(selector);
      if (target) return target.focus();
    }
  }, [focusAfter]);

  useEffect(() => {
    // Waits until the section is shown and expanded (the layout write above renders it).
    if (jumpTarget === undefined || layout.hidden.includes(jumpTarget) || layout.collapsed.includes(jumpTarget)) return;
    setJumpTarget(undefined);
    scrollToSection(sectionElementId(jumpTarget));
  }, [jumpTarget, layout]);

  return { layout, shown: arranged.shown, hidden: arranged.hidden, act, moveTo, jump, editable: write !== undefined };
}

function scrollToSection(elementId: string): void {
  const section = document.getElementById(elementId);
  if (!section) return;
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  section.scrollIntoView({ block: 'start', behavior: reducedMotion ? 'auto' : 'smooth' });
  section.focus({ preventScroll: true });
}
