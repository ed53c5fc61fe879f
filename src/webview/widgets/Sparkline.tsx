/**
 * A latency sparkline as inline SVG: one point per check, oldest first; a failed check (null) breaks
 * the line and is marked with a dot in the error colour.
 */
export function Sparkline({ values, label, width = 120, height = 28 }: { values: (number | null)[]; label: string; width?: number; height?: number }) {
  if (values.length === 0) return <span class="muted sparkline-empty">no history yet</span>;
  const max = Math.max(1, ...values.filter((v): v is number => v !== null));
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const x = (i: number) => (values.length > 1 ? i * step : width / 2);
  const y = (v: number) => height - 2 - (v / max) * (height - 4);
  const segments: string[] = [];
  let current = '';
  values.forEach((v, i) => {
    if (v === null) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    current += `${current ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
  });
  if (current) segments.push(current);
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <title>{label}</title>
      {segments.map((d) => (
        <path key={d} d={d} class="sparkline-line" />
      ))}
      {values.map((v, i) => (v === null ? <circle key={i} cx={x(i)} cy={height - 3} r={2} class="sparkline-fail" /> : null))}
    </svg>
  );
}
