export function mcpProcessFigures(cases: { label: string; metrics: Record<string, number> }[], idleMs: number): Record<string, number>;
