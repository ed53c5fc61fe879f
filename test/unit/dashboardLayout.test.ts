import { strict as assert } from 'node:assert';
import {
  arrangeSections,
  canMove,
  DEFAULT_LAYOUT,
  LAYOUT_PATH,
  layoutOf,
  moveSection,
  moveSectionTo,
  revealSection,
  toggleCollapsed,
  togglePinned,
  toggleHidden,
  type DashboardLayout,
} from '../../src/webview/layout/layout';

const PANELS = ['approvals', 'sessions', 'tasks', 'mcp', 'mesh'];
const state = (layout: unknown) => ({ dashboard: { layout } }) as never;
const layout = (partial: Partial<DashboardLayout>): DashboardLayout => ({ ...DEFAULT_LAYOUT, order: [...PANELS], ...partial });

describe('dashboard layout', () => {
  describe('layoutOf (the shared state, validated)', () => {
    it('is kept under dashboard.layout', () => {
      assert.equal(LAYOUT_PATH, 'dashboard.layout');
    });

    it('gives the panels in their defined order when nothing is stored', () => {
      assert.deepEqual(layoutOf({}, PANELS), { order: PANELS, pinned: [], collapsed: [], hidden: [] });
      assert.deepEqual(layoutOf({ dashboard: 'not an object' } as never, PANELS).order, PANELS);
    });

    it('keeps a stored order, drops unknown and repeated ids and appends new panels at the end', () => {
      const read = layoutOf(state({ order: ['mesh', 'gone', 'approvals', 'mesh'], pinned: ['tasks', 'gone'], collapsed: ['mcp'], hidden: ['sessions', 'sessions'] }), PANELS);
      assert.deepEqual(read, { order: ['mesh', 'approvals', 'sessions', 'tasks', 'mcp'], pinned: ['tasks'], collapsed: ['mcp'], hidden: ['sessions'] });
    });

    it('falls back to the default layout on a malformed value, never throwing', () => {
      for (const malformed of [null, 42, 'order', [], { order: 'mesh' }, { order: [1, 2] }, { pinned: [null] }, { hidden: { 0: 'mesh' } }, { order: Array(1000).fill('mesh') }]) {
        assert.deepEqual(layoutOf(state(malformed), PANELS), { order: PANELS, pinned: [], collapsed: [], hidden: [] }, JSON.stringify(malformed));
      }
    });

    it('accepts a layout with some lists missing', () => {
      assert.deepEqual(layoutOf(state({ hidden: ['mesh'] }), PANELS), { order: PANELS, pinned: [], collapsed: [], hidden: ['mesh'] });
    });
  });

  describe('arrangeSections', () => {
    it('puts pinned sections first, keeps the order within each group and leaves hidden ones out', () => {
      const arranged = arrangeSections(layout({ order: ['mesh', 'approvals', 'sessions', 'tasks', 'mcp'], pinned: ['tasks', 'approvals'], hidden: ['sessions'] }));
      assert.deepEqual(arranged.shown, ['approvals', 'tasks', 'mesh', 'mcp']);
      assert.deepEqual(arranged.hidden, ['sessions']);
    });
  });

  describe('operations', () => {
    it('toggles pinned, collapsed and hidden', () => {
      const pinned = togglePinned(layout({}), 'mcp');
      assert.deepEqual(pinned.pinned, ['mcp']);
      assert.deepEqual(togglePinned(pinned, 'mcp').pinned, []);
      assert.deepEqual(toggleCollapsed(layout({}), 'tasks').collapsed, ['tasks']);
      assert.deepEqual(toggleCollapsed(layout({ collapsed: ['tasks'] }), 'tasks').collapsed, []);
      assert.deepEqual(toggleHidden(layout({}), 'mesh').hidden, ['mesh']);
      assert.deepEqual(toggleHidden(layout({ hidden: ['mesh'] }), 'mesh').hidden, []);
    });

    it('moves a section past its shown neighbour, skipping hidden ones, within its pinned group', () => {
      const base = layout({ hidden: ['tasks'] });
      assert.deepEqual(arrangeSections(moveSection(base, 'mcp', 'up')).shown, ['approvals', 'mcp', 'sessions', 'mesh']);
      assert.deepEqual(arrangeSections(moveSection(base, 'sessions', 'down')).shown, ['approvals', 'mcp', 'sessions', 'mesh']);
      assert.deepEqual(arrangeSections(moveSection(base, 'approvals', 'down')).shown, ['sessions', 'approvals', 'mcp', 'mesh']);

      const pinned = layout({ pinned: ['mesh'] });
      assert.deepEqual(arrangeSections(pinned).shown, ['mesh', 'approvals', 'sessions', 'tasks', 'mcp']);
      // The first unpinned section does not move above a pinned one, nor a pinned one below the unpinned.
      assert.equal(moveSection(pinned, 'approvals', 'up'), pinned);
      assert.equal(moveSection(pinned, 'mesh', 'down'), pinned);
      assert.equal(moveSection(pinned, 'mcp', 'down'), pinned);
      assert.equal(canMove(pinned, 'mcp', 'down'), false);
      assert.equal(canMove(pinned, 'mcp', 'up'), true);
    });

    it('moves a dragged section to the place of the one it is dropped on, joining its pinned group', () => {
      const base = layout({ pinned: ['mesh'], hidden: ['tasks'] });
      assert.deepEqual(arrangeSections(base).shown, ['mesh', 'approvals', 'sessions', 'mcp']);
      assert.deepEqual(arrangeSections(moveSectionTo(base, 'approvals', 'mcp')).shown, ['mesh', 'sessions', 'mcp', 'approvals'], 'dragged down: after the target');
      assert.deepEqual(arrangeSections(moveSectionTo(base, 'mcp', 'approvals')).shown, ['mesh', 'mcp', 'approvals', 'sessions'], 'dragged up: before the target');
      const intoPinned = moveSectionTo(base, 'sessions', 'mesh');
      assert.deepEqual(intoPinned.pinned, ['mesh', 'sessions']);
      assert.deepEqual(arrangeSections(intoPinned).shown, ['sessions', 'mesh', 'approvals', 'mcp']);
      const outOfPinned = moveSectionTo(base, 'mesh', 'sessions');
      assert.deepEqual(outOfPinned.pinned, []);
      assert.deepEqual(arrangeSections(outOfPinned).shown, ['approvals', 'sessions', 'mesh', 'mcp']);
      assert.equal(moveSectionTo(base, 'mesh', 'mesh'), base);
      assert.equal(moveSectionTo(base, 'mesh', 'gone'), base);
      assert.equal(moveSectionTo(base, 'tasks', 'mesh'), base, 'a hidden section is not dragged');
    });

    it('reveals a section: shown and expanded', () => {
      const revealed = revealSection(layout({ hidden: ['mesh', 'mcp'], collapsed: ['mesh'] }), 'mesh');
      assert.deepEqual(revealed.hidden, ['mcp']);
      assert.deepEqual(revealed.collapsed, []);
      const already = layout({});
      assert.equal(revealSection(already, 'mesh'), already, 'nothing to change: the same layout, so nothing is written');
    });
  });
});
