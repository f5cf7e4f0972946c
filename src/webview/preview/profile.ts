/// <reference lib="dom" />
/**
 * The profile strip under a column header: a small histogram (buckets of numbers and time, or the
 * most frequent values and the rest), a bar of the share of values that are not NULL, and two lines
 * of figures, with every figure in the tooltip. Built with `createElementNS` and `textContent`
 * only; colours come from the theme through CSS classes.
 */
import type { ColumnProfile } from '../../warehouse/profile';
import { el, svg } from './dom';
import { formatCount, profileText, shareText, type ColumnFormat } from './format';

/** Height of the strip in pixels (the header grows by this much); media/preview.css agrees. */
export const PROFILE_HEIGHT = 72;

/** The chart of a strip, in a 100 × 28 box stretched to the column's width. */
function stripChart(profile: ColumnProfile): SVGSVGElement {
  const root = svg('svg', { viewBox: '0 0 100 28', preserveAspectRatio: 'none', class: 'profile-chart', 'aria-hidden': 'true' });
  const chart = profile.histogram;
  if (!chart) return root;
  const values = profile.rows - profile.nulls;
  const bars = chart.bars.map((bar) => ({ label: bar.label, count: bar.count, kind: chart.kind }));
  if (chart.kind === 'top') {
    const rest = values - bars.reduce((sum, bar) => sum + bar.count, 0);
    // Beside the most frequent values, the rest; with none (every value once) there is nothing to draw.
    if (rest > 0 && bars.length > 0) bars.push({ label: 'other values', count: rest, kind: 'top' });
  }
  const max = Math.max(1, ...bars.map((bar) => bar.count));
  const slot = 100 / Math.max(bars.length, chart.kind === 'top' ? 12 : 1);
  const gap = Math.min(0.8, slot * 0.15);
  bars.forEach((bar, i) => {
    const height = bar.count > 0 ? Math.max(1.5, (bar.count / max) * 28) : 0;
    const rest = chart.kind === 'top' && i === chart.bars.length;
    const rect = svg('rect', { x: i * slot + gap / 2, y: 28 - height, width: Math.max(0.2, slot - gap), height, class: rest ? 'rest' : chart.kind });
    const title = svg('title');
    title.textContent = `${bar.label}: ${formatCount(bar.count)} (${shareText(bar.count, profile.rows)})`;
    rect.append(title);
    root.append(rect);
  });
  return root;
}

/**
 * The strip of a column: its profile, or what is known so far (`note`: why there is none yet,
 * such as "Profiling…", "Cancelled").
 */
export function profileStrip(profile: ColumnProfile | undefined, format: ColumnFormat, note: string): HTMLDivElement {
  const strip = el('div', 'profile');
  if (!profile) {
    strip.classList.add('pending');
    strip.append(el('div', 'profile-chart placeholder'), el('div', 'profile-line', note));
    strip.title = note;
    return strip;
  }
  const text = profileText(profile, format);
  if (!profile.histogram && !profile.error && profile.kind !== 'spatial') strip.classList.add('computing');
  const chart = profile.histogram || profile.error || profile.kind === 'spatial' ? stripChart(profile) : el('div', 'profile-chart placeholder');
  // The share of rows that hold a value: full when there is no NULL.
  const fill = el('div', 'profile-fill');
  const filled = el('div', 'profile-filled');
  filled.style.width = `${profile.rows === 0 ? 0 : ((profile.rows - profile.nulls) / profile.rows) * 100}%`;
  fill.append(filled);
  strip.append(chart, fill, el('div', 'profile-line range', text.range || '\u00a0'), el('div', 'profile-line stats', text.stats));
  strip.title = `${text.title}\n\nClick for the chart of this column.`;
  strip.setAttribute('aria-label', text.label);
  return strip;
}
