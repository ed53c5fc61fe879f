import type { ComponentChildren } from 'preact';
import { Button } from '../ui/Button';

interface FilterSelectProps {
  label: string;
  value: string;
  /** The values to choose from; '' (any) comes first, worded by `anyLabel`. */
  options: readonly string[];
  anyLabel: string;
  onChange: (value: string) => void;
  testId: string;
}

/** A labelled select of a list filter. A chosen value the list no longer has stays selectable, so the control never lies. */
export function FilterSelect({ label, value, options, anyLabel, onChange, testId }: FilterSelectProps) {
  const choices = value === '' || options.includes(value) ? options : [value, ...options];
  return (
    <label class="filter-select">
      {label}
      <select value={value} onChange={(event) => onChange((event.currentTarget as HTMLSelectElement).value)} data-testid={testId}>
        <option value="">{anyLabel}</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The filter bar of a list: its controls, and a clear button while a filter is set. */
export function FilterBar({ label, filtering, clear, children }: { label: string; filtering: boolean; clear: () => void; children: ComponentChildren }) {
  return (
    <div class="list-filters" role="search" aria-label={label}>
      {children}
      {filtering && <ClearFilters clear={clear} />}
    </div>
  );
}

/** What a filtered list says when nothing matches, with the way back. */
export function NoMatches({ what, clear, testId }: { what: string; clear: () => void; testId: string }) {
  return (
    <div class="no-matches" data-testid={testId}>
      <p class="muted" role="status">
        No {what} match these filters
      </p>
      <ClearFilters clear={clear} />
    </div>
  );
}

function ClearFilters({ clear }: { clear: () => void }) {
  return (
    <Button appearance="secondary" onClick={clear} title="Clear filters">
      Clear filters
    </Button>
  );
}
