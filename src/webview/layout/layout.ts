// The dashboard's layout (which sections are pinned, in which order, collapsed or hidden) as kept in
// the relay's shared state, so every dashboard of the person shows the same one. Pure: read and
// validated from the state, changed by the operations below, written back whole by the caller.
import * as z from 'zod';
import type { JsonObject, JsonValue } from '../../shared/protocol';

/** Where the layout lives in the shared state. */
export const LAYOUT_PATH = 'dashboard.layout';

export interface DashboardLayout {
  /** Every panel id, in display order (pinned ones are shown first, in this order too). */
  order: string[];
  pinned: string[];
  collapsed: string[];
  hidden: string[];
}

export const DEFAULT_LAYOUT: DashboardLayout = { order: [], pinned: [], collapsed: [], hidden: [] };

/** Bounds what another dashboard (or anyone with the token) can make this one read. */
const MAX_IDS = 100;
const idList = z.array(z.string().max(100)).max(MAX_IDS).optional();
const storedLayoutSchema = z.object({ order: idList, pinned: idList, collapsed: idList, hidden: idList });

/**
 * The layout stored at `dashboard.layout`, fitted to the panels this dashboard has: unknown and
 * repeated ids are dropped, panels the stored order does not name are appended at the end, and a
 * malformed value gives the default layout (the panels in their defined order).
 */
export function layoutOf(state: JsonObject, panelIds: readonly string[]): DashboardLayout {
  const parsed = storedLayoutSchema.safeParse(storedValue(state));
  const stored = parsed.success ? parsed.data : {};
  const known = (ids: readonly string[] | undefined) => [...new Set(ids ?? [])].filter((id) => panelIds.includes(id));
  const order = known(stored.order);
  return {
    order: [...order, ...panelIds.filter((id) => !order.includes(id))],
    pinned: known(stored.pinned),
    collapsed: known(stored.collapsed),
    hidden: known(stored.hidden),
  };
}

function storedValue(state: JsonObject): JsonValue | undefined {
  const dashboard = state.dashboard;
  return typeof dashboard === 'object' && dashboard !== null && !Array.isArray(dashboard) ? dashboard.layout : undefined;
}

/** The layout as the JSON value written to the shared state. */
export function layoutValue(layout: DashboardLayout): JsonValue {
  return { order: layout.order, pinned: layout.pinned, collapsed: layout.collapsed, hidden: layout.hidden };
}

/** The sections to show, pinned ones first and each group in the layout's order, and the hidden ones. */
export function arrangeSections(layout: DashboardLayout): { shown: string[]; hidden: string[] } {
  const visible = layout.order.filter((id) => !layout.hidden.includes(id));
  return {
    shown: [...visible.filter((id) => layout.pinned.includes(id)), ...visible.filter((id) => !layout.pinned.includes(id))],
    hidden: layout.order.filter((id) => layout.hidden.includes(id)),
  };
}

const toggled = (ids: readonly string[], id: string) => (ids.includes(id) ? ids.filter((other) => other !== id) : [...ids, id]);

export const togglePinned = (layout: DashboardLayout, id: string): DashboardLayout => ({ ...layout, pinned: toggled(layout.pinned, id) });
export const toggleCollapsed = (layout: DashboardLayout, id: string): DashboardLayout => ({ ...layout, collapsed: toggled(layout.collapsed, id) });
export const toggleHidden = (layout: DashboardLayout, id: string): DashboardLayout => ({ ...layout, hidden: toggled(layout.hidden, id) });

/**
 * Swaps a section with its shown neighbour above or below, among the sections of its own group
 * (pinned or not): a pinned section stays above the others. The same layout when it cannot move.
 */
export function moveSection(layout: DashboardLayout, id: string, direction: 'up' | 'down'): DashboardLayout {
  const pinned = layout.pinned.includes(id);
  const group = arrangeSections(layout).shown.filter((other) => layout.pinned.includes(other) === pinned);
  const index = group.indexOf(id);
  const neighbour = group[direction === 'up' ? index - 1 : index + 1];
  if (index < 0 || neighbour === undefined) return layout;
  const order = [...layout.order];
  const [from, to] = [order.indexOf(id), order.indexOf(neighbour)];
  [order[from], order[to]] = [order[to], order[from]];
  return { ...layout, order };
}

/**
 * A section dragged onto another takes its place: after it when dragged down the page, before it
 * when dragged up, in the target's group (dropped among the pinned ones, it is pinned). The same
 * layout for a drop on itself, on an unknown or hidden section, or of a hidden one.
 */
export function moveSectionTo(layout: DashboardLayout, id: string, targetId: string): DashboardLayout {
  const { shown } = arrangeSections(layout);
  const [from, to] = [shown.indexOf(id), shown.indexOf(targetId)];
  if (from < 0 || to < 0 || from === to) return layout;
  const order = layout.order.filter((other) => other !== id);
  order.splice(order.indexOf(targetId) + (from < to ? 1 : 0), 0, id);
  const targetPinned = layout.pinned.includes(targetId);
  const pinned = targetPinned === layout.pinned.includes(id) ? layout.pinned : targetPinned ? [...layout.pinned, id] : layout.pinned.filter((other) => other !== id);
  return { ...layout, order, pinned };
}

/** Can `id` move that way? (For the move buttons.) */
export function canMove(layout: DashboardLayout, id: string, direction: 'up' | 'down'): boolean {
  return moveSection(layout, id, direction) !== layout;
}

/** Shown and expanded, as a jump to the section needs; the same layout when it already is. */
export function revealSection(layout: DashboardLayout, id: string): DashboardLayout {
  if (!layout.hidden.includes(id) && !layout.collapsed.includes(id)) return layout;
  return { ...layout, hidden: layout.hidden.filter((other) => other !== id), collapsed: layout.collapsed.filter((other) => other !== id) };
}
