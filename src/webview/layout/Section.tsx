import type { ComponentChildren } from 'preact';
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
  children: ComponentChildren;
}

/** A dashboard section with its layout controls: collapse (the title), pin, move up / down and hide. */
export function Section({ id, title, pinned, collapsed, canMoveUp, canMoveDown, act, children }: SectionProps) {
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
      class={`card layout-section${pinned ? ' section-pinned' : ''}${collapsed ? ' section-collapsed' : ''}`}
      aria-labelledby={headingId}
      data-testid={`panel-${id}`}
    >
      <div class="card-title section-header">
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
