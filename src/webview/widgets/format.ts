/** Short local time, e.g. "14:02:31". */
export function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
}

/** "in_progress" → "in progress". */
export function words(value: string): string {
  return value.replace(/_/g, ' ');
}

export function formatNumber(value: number): string {
  return Math.abs(value) >= 1000 ? value.toLocaleString(undefined, { maximumFractionDigits: 0 }) : String(Math.round(value * 100) / 100);
}
