/// <reference lib="dom" />
/**
 * The chart of one column: horizontal SVG bars (histogram buckets, or the most frequent
 * values), built with `createElementNS` and `textContent` only. Colours come from the theme
 * through CSS classes.
 */
import type { Chart } from '../../warehouse/histogram';
import { svg } from './dom';
import { formatCount } from './format';

const BAR = 20;
const GAP = 6;
const TOP = 26;
const LABEL_CHARS = 32;

/** Round step for about `count` ticks up to `max`: 1, 2 or 5 times a power of ten. */
export function tickStep(max: number, count = 4): number {
  if (max <= 0) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
  return Math.max(1, step);
}

const truncate = (text: string): string => (text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text);

/** Draws `chart` into `host` (replacing what was there), `width` pixels wide. */
export function renderChart(host: Element, chart: Chart, width: number): void {
  const bars = chart.bars;
  const max = Math.max(0, ...bars.map((bar) => bar.count));
  const step = tickStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const longest = Math.max(4, ...bars.map((bar) => truncate(bar.label).length));
  const labelWidth = Math.min(Math.max(80, longest * 7 + 16), Math.floor(width * 0.4));
  const valueWidth = Math.max(48, formatCount(max).length * 7 + 12);
  const plotWidth = Math.max(40, width - labelWidth - valueWidth);
  const height = TOP + bars.length * (BAR + GAP) + 8;
  const scale = (value: number): number => (value / top) * plotWidth;

  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  const what = chart.kind === 'histogram' ? 'Histogram' : 'Most frequent values';
  root.setAttribute('aria-label', `${what} of ${chart.column}: ${bars.length} bars`);
  const title = svg('title');
  title.textContent = `${what} of ${chart.column}`;
  root.append(title);

  for (let tick = 0; tick <= top; tick += step) {
    const x = labelWidth + scale(tick);
    root.append(svg('line', { x1: x, x2: x, y1: TOP - 6, y2: height - 4, class: tick === 0 ? 'axis' : 'grid-line' }));
    const label = svg('text', { x, y: TOP - 10, class: 'tick', 'text-anchor': 'middle' });
    label.textContent = formatCount(tick);
    root.append(label);
  }

  bars.forEach((bar, i) => {
    const y = TOP + i * (BAR + GAP);
    const group = svg('g', { class: 'bar-row' });
    const tooltip = svg('title');
    tooltip.textContent = `${bar.label}: ${formatCount(bar.count)}`;
    const label = svg('text', { x: labelWidth - 8, y: y + BAR / 2, class: 'bar-label', 'text-anchor': 'end', 'dominant-baseline': 'central' });
    label.textContent = truncate(bar.label);
    const length = scale(bar.count);
    const rect = svg('rect', { x: labelWidth, y, width: bar.count > 0 ? Math.max(1, length) : 0, height: BAR, rx: 2, class: 'bar' });
    const value = svg('text', { x: labelWidth + length + 6, y: y + BAR / 2, class: 'bar-value', 'dominant-baseline': 'central' });
    value.textContent = formatCount(bar.count);
    group.append(tooltip, label, rect, value);
    root.append(group);
  });
  host.replaceChildren(root);
}
