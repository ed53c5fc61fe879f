import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { CostTimeline } from '../../shared/costs';
import { formatCost } from '../../shared/sessions';
import { agentLabel, bucketLabel, chartSummary, RANGE_LABELS, sumUsd } from './costView';

const CHART_HEIGHT = 200;
/** Theme colours the chart reads at draw time: dashboard.css maps each to VS Code's --vscode-* variable with a fallback. */
const SERIES_COLOUR_VARIABLES = ['--am-chart-1', '--am-chart-2', '--am-chart-3', '--am-chart-4', '--am-chart-5', '--am-chart-6'];

interface ChartTheme {
  foreground: string;
  grid: string;
  series: string[];
}

function readTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return { foreground: read('--am-fg'), grid: read('--am-border'), series: SERIES_COLOUR_VARIABLES.map(read) };
}

function chartOptions(UPlot: typeof uPlot, timeline: CostTimeline, width: number, theme: ChartTheme): uPlot.Options {
  const axis = { stroke: theme.foreground, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
  const perDay = timeline.bucket === 'day';
  return {
    width,
    height: CHART_HEIGHT,
    // The buckets are UTC hours and days: show them in UTC, like the per-day table.
    tzDate: (seconds) => UPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: true },
    scales: { x: { time: true }, y: { range: (_chart, _min, max) => [0, max > 0 ? max * 1.1 : 0.01] } },
    axes: [
      { ...axis, label: 'UTC' },
      { ...axis, size: 64, values: (_chart, ticks) => ticks.map((usd) => formatCost(usd, false)) },
    ],
    // The legend reads the hovered bucket, and the range and each agent's total while nothing is hovered.
    series: [
      { label: perDay ? 'Day' : 'Hour', value: (_chart, seconds) => (seconds == null ? RANGE_LABELS[timeline.range] : bucketLabel(seconds * 1000, timeline.bucket)) },
      ...timeline.byAgent.map((series, index) => ({
        label: agentLabel(series.key),
        stroke: theme.series[index % theme.series.length],
        width: 2,
        points: { show: true, size: 5 },
        value: (_chart: uPlot, usd: number | null) => (usd == null ? `${formatCost(sumUsd(series.costUsd), series.approximate)} in all` : formatCost(usd, series.approximate)),
      })),
    ],
  };
}

/**
 * Each agent's cost per hour or day as a uPlot line chart in the theme's colours: drawn again when the
 * theme changes (VS Code changes the body's class and the root's style) and sized to its container.
 * uPlot draws without animation, so reduced motion needs nothing here.
 */
export function CostChart({ timeline }: { timeline: CostTimeline }) {
  const container = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | undefined>();
  // Each refresh brings a new report object: the chart (and the bucket under the pointer) stays unless the figures changed.
  const figures = JSON.stringify(timeline);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const data: uPlot.AlignedData = [timeline.bucketStarts.map((ms) => ms / 1000), ...timeline.byAgent.map((series) => series.costUsd)];
    let chart: uPlot | undefined;
    let stopped = false;
    const observers: { disconnect(): void }[] = [];
    loadUPlot().then(
      (UPlot) => {
        if (stopped) return;
        const draw = () => {
          chart?.destroy();
          chart = new UPlot(chartOptions(UPlot, timeline, Math.max(200, element.clientWidth), readTheme()), data, element);
        };
        draw();
        const resize = new ResizeObserver(() => {
          const width = Math.max(200, element.clientWidth);
          if (chart && chart.width !== width) chart.setSize({ width, height: CHART_HEIGHT });
        });
        resize.observe(element);
        const themeChange = new MutationObserver(draw);
        themeChange.observe(document.body, { attributes: true, attributeFilter: ['class'] });
        themeChange.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
        observers.push(resize, themeChange);
      },
      (error: unknown) => !stopped && setProblem(`The chart could not load (${error instanceof Error ? error.message : String(error)}); the figures are in the table below.`),
    );
    return () => {
      stopped = true;
      observers.forEach((observer) => observer.disconnect());
      chart?.destroy();
    };
  }, [figures]);
  if (problem) return <p class="notice notice-warning" role="status" data-testid="cost-chart-problem">{problem}</p>;
  return <div class="cost-chart" ref={container} role="img" aria-label={chartSummary(timeline)} data-testid="cost-chart" />;
}

let uPlotModule: Promise<typeof uPlot> | undefined;

/** The chart library is a chunk of its own (about a fifth of the dashboard), loaded when the first chart is drawn. */
function loadUPlot(): Promise<typeof uPlot> {
  uPlotModule ??= import('uplot').then((module) => module.default);
  return uPlotModule;
}
