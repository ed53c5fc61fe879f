import type { ComponentChildren } from 'preact';
import { Button } from '../ui/Button';
import { filterSelectOptions, type FilterOption } from './filters';

interface FilterSelectProps {
  label: string;
  value: string;
  /** The values to choose from (a plain string is its own label). */
  options: ReadonlyArray<string | FilterOption>;
  /** The words of the "any" entry (''), shown first; a select without it always has one of `options` chosen. */
  anyLabel?: string;
  onChange: (value: string) => void;
  testId: string;
}

/** A labelled select of a list filter. A chosen value the list no longer has stays selectable, so the control never lies. */
export function FilterSelect({ label, value, options, anyLabel, onChange, testId }: FilterSelectProps) {
  return (
    <label class="filter-select">
      {label}
      <select value={value} onChange={(event) => onChange((event.currentTarget as HTMLSelectElement).value)} data-testid={testId}>
        {filterSelectOptions(value, options, anyLabel).map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
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
