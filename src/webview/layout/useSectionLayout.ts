import { useEffect, useMemo, useState } from 'preact/hooks';
import type { JsonObject, JsonValue } from '../../shared/protocol';
import { sectionElementId } from '../overview/OverviewStrip';
import { arrangeSections, LAYOUT_PATH, layoutOf, layoutValue, moveSection, revealSection, toggleCollapsed, toggleHidden, togglePinned, type DashboardLayout } from './layout';

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
 * After a move the focus stays on the button that moved the section; a jump reveals the section
 * (shows and expands it) before it scrolls there.
 */
export function useSectionLayout(state: JsonObject, panelIds: readonly string[], write: ((path: string, value: JsonValue) => void) | undefined) {
  const layout = useMemo(() => layoutOf(state, panelIds), [state, panelIds]);
  const arranged = useMemo(() => arrangeSections(layout), [layout]);
  const [focusAfterMove, setFocusAfterMove] = useState<{ id: string; action: SectionAction } | undefined>();
  const [jumpTarget, setJumpTarget] = useState<string | undefined>();

  const change = (next: DashboardLayout) => {
    if (next !== layout) write?.(LAYOUT_PATH, layoutValue(next));
  };
  const act = (id: string, action: SectionAction) => {
    change(OPERATIONS[action](layout, id));
    if (action === 'up' || action === 'down') setFocusAfterMove({ id, action });
  };
  const jump = (id: string) => {
    const revealed = revealSection(layout, id);
    if (revealed === layout) return scrollToSection(sectionElementId(id));
    change(revealed);
    setJumpTarget(id);
  };

  useEffect(() => {
    if (!focusAfterMove) return;
    setFocusAfterMove(undefined);
    const controls = document.getElementById(sectionElementId(focusAfterMove.id));
    const button = controls?.querySelector<HTMLButtonElement>(`[data-action="${focusAfterMove.action}"]:not(:disabled)`) ?? controls?.querySelector<HTMLButtonElement>('[data-action="collapse"]');
    button?.focus();
  }, [focusAfterMove]);

  useEffect(() => {
    // Waits until the section is shown and expanded (the layout write above renders it).
    if (jumpTarget === undefined || layout.hidden.includes(jumpTarget) || layout.collapsed.includes(jumpTarget)) return;
    setJumpTarget(undefined);
    scrollToSection(sectionElementId(jumpTarget));
  }, [jumpTarget, layout]);

  return { layout, shown: arranged.shown, hidden: arranged.hidden, act, jump, editable: write !== undefined };
}

function scrollToSection(elementId: string): void {
  const section = document.getElementById(elementId);
  if (!section) return;
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  section.scrollIntoView({ block: 'start', behavior: reducedMotion ? 'auto' : 'smooth' });
  section.focus({ preventScroll: true });
}
