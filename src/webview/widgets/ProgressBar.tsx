/** A themed progress bar with the value exposed to screen readers. */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const clamped = Math.max(0, Math.min(100, value));
  return (
    <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={clamped} aria-valuetext={`${clamped}%`}>
      <div class="progress-fill" style={{ width: `${clamped}%` }} />
    </div>
  );
}
