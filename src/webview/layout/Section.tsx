import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { sectionElementId } from '../overview/OverviewStrip';
import type { SectionAction } from './useSectionLayout';

interface SectionProps {
  id: string;
  title: string;
  pinned: boolean;
  collapsed: boolean;
  canMoveUp: boolean;
  canMoveDown: boolean;
  /** Absent until the dashboard can write the shared layout (not connected yet). */
  act: ((action: SectionAction) => void) | undefined;
  /** Another section (its id) was dragged and dropped on this one; absent while the layout cannot be written. */
  dropped: ((draggedId: string) => void) | undefined;
  children: ComponentChildren;
}

/** The drag data type of a section's header (the mouse alternative to the move buttons). */
const SECTION_DRAG_TYPE = 'application/x-agent-mesh-section';
const carriesSection = (event: DragEvent) => event.dataTransfer?.types.includes(SECTION_DRAG_TYPE) ?? false;

/** A dashboard section with its layout controls: collapse (the title), pin, move up / down and hide; its header can be dragged onto another section. */
export function Section({ id, title, pinned, collapsed, canMoveUp, canMoveDown, act, dropped, children }: SectionProps) {
  const [dropTarget, setDropTarget] = useState(false);
  const headingId = `panel-${id}`;
  const bodyId = `section-body-${id}`;
  const control = (action: SectionAction, label: string, text: string, enabled = true, pressed?: boolean) => (
    <button
      type="button"
      class="section-control"
      data-action={action}
      aria-label={label}
      title={label}
      aria-pressed={pressed}
      disabled={!act || !enabled}
      onClick={() => act?.(action)}
    >
      <span aria-hidden="true">{text}</span>
    </button>
  );
  return (
    // tabIndex -1: the overview strip moves the focus here.
    <section
      id={sectionElementId(id)}
      tabIndex={-1}
      class={`card layout-section${pinned ? ' section-pinned' : ''}${collapsed ? ' section-collapsed' : ''}${dropTarget ? ' section-drop-target' : ''}`}
      aria-labelledby={headingId}
      data-testid={`panel-${id}`}
      onDragOver={(event) => {
        if (!dropped || !carriesSection(event)) return;
        event.preventDefault();
        setDropTarget(true);
      }}
      onDragLeave={(event) => !(event.currentTarget as HTMLElement).contains(event.relatedTarget as Node | null) && setDropTarget(false)}
      onDrop={(event) => {
        setDropTarget(false);
        const draggedId = event.dataTransfer?.getData(SECTION_DRAG_TYPE);
        if (!dropped || !draggedId) return;
        event.preventDefault();
        dropped(draggedId);
      }}
    >
      <div
        class="card-title section-header"
        draggable={dropped !== undefined}
        onDragStart={(event) => {
          event.dataTransfer?.setData(SECTION_DRAG_TYPE, id);
          if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
        }}
      >
        <h2 id={headingId}>
          <button type="button" class="section-toggle" data-action="collapse" aria-expanded={!collapsed} aria-controls={bodyId} disabled={!act} onClick={() => act?.('collapse')}>
            <span class="section-chevron" aria-hidden="true">
              {collapsed ? '▸' : '▾'}
            </span>
            {title}
          </button>
        </h2>
        <div class="section-controls" role="group" aria-label={`${title} layout`}>
          {control('pin', `Pin ${title} to the top`, 'Pin', true, pinned)}
          {control('up', `Move ${title} up`, '↑', canMoveUp)}
          {control('down', `Move ${title} down`, '↓', canMoveDown)}
          {control('hide', `Hide ${title}`, 'Hide')}
        </div>
      </div>
      <div id={bodyId} class="section-body" hidden={collapsed}>
        {!collapsed && children}
      </div>
    </section>
  );
}

/** "Hidden sections (n)": each hidden section with a button that shows it again. */
export function HiddenSections({ sections, show }: { sections: Array<{ id: string; title: string }>; show: ((id: string) => void) | undefined }) {
  if (sections.length === 0) return null;
  return (
    <details class="hidden-sections" data-testid="hidden-sections">
      <summary>Hidden sections ({sections.length})</summary>
      <ul>
        {sections.map(({ id, title }) => (
          <li key={id}>
            <button type="button" class="section-control" aria-label={`Show ${title}`} disabled={!show} onClick={() => show?.(id)}>
              Show {title}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
