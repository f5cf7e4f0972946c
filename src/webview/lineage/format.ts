/**
 * The words and figures of the lineage view: node badges, tooltips, ages, search ranking. Pure
 * (no DOM), so the unit tests check it in Node.
 */
import type { ColumnLineage } from '../../authoring/columnLineage';
import type { Lane } from '../../authoring/lineageGraph';
import type { Depth, LineageEntry, LineageNodeView, NodeStatusView } from '../lineageProtocol';

export const LANE_TITLES: Record<Lane, string> = { bronze: 'Bronze', silver: 'Silver', gold: 'Gold', snapshots: 'Snapshots', other: 'Other' };

/** `950`, `12.3k`, `14.7M`. */
export function compactCount(value: number): string {
  const abs = Math.abs(value);
  if (abs < 1_000) return String(value);
  const [divisor, unit] = abs < 1e6 ? [1e3, 'k'] : abs < 1e9 ? [1e6, 'M'] : [1e9, 'B'];
  const scaled = value / divisor;
  return `${Math.abs(scaled) < 10 ? scaled.toFixed(1).replace(/\.0$/, '') : Math.round(scaled)}${unit}`;
}

/** How long ago an ISO instant was: `5 min ago`, `3 h ago`, `4 days ago`. */
export function age(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  if (ms < 0) return 'in the future';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** The tone of a dbt status (a run's or a test's). */
export type Tone = 'ok' | 'warn' | 'error' | 'none';

export function toneOf(status: string | undefined): Tone {
  switch (status) {
    case 'success':
    case 'pass':
      return 'ok';
    case 'warn':
      return 'warn';
    case 'error':
    case 'fail':
    case 'runtime error':
      return 'error';
    default:
      return 'none';
  }
}

const TONE_MARK: Record<Tone, string> = { ok: '✓', warn: '!', error: '✗', none: '–' };

/** `✓ tests`, `✗ tests`, … for the worst result of a node's tests. */
export const testsBadge = (tests: string): string => `${TONE_MARK[toneOf(tests)]} tests`;

/** Cuts text to `max` characters with an ellipsis (SVG text cannot ellipsize itself). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** The third line of a node box: rows and freshness, where known. */
export function factsLine(node: LineageNodeView, now: number): string {
  const parts: string[] = [];
  if (node.rows !== undefined) parts.push(`${compactCount(node.rows)} rows`);
  if (node.freshAt) parts.push(age(node.freshAt, now));
  return parts.join(' · ');
}

/** Every fact of a node's status, one per line (the box's tooltip and the side panel). */
export function statusLines(status: NodeStatusView, now: number): string[] {
  const lines: string[] = [];
  if (status.status) {
    const run = status.status;
    if (run.status !== 'not run') lines.push(`Last run: ${run.status} (${age(run.at, now)})${run.message ? ` — ${run.message}` : ''}`);
    if (run.tests) lines.push(`Tests: ${run.tests}`);
  }
  if (status.freshAt) lines.push(`Fresh: ${age(status.freshAt, now)}${status.freshness ? ` (${status.freshness})` : ''} · ${status.freshAt}`);
  if (status.rows !== undefined) lines.push(`Rows: ${status.rows.toLocaleString('en-US')}`);
  return lines;
}

/** A node box's tooltip. */
export function nodeTooltip(node: LineageNodeView, now: number): string {
  return [`${node.label} · ${node.kind}${node.materialization ? ` · ${node.materialization}` : ''} · ${LANE_TITLES[node.lane]}`, ...statusLines(node, now), node.id].join('\n');
}

/** `2`, `all`. */
export const depthText = (depth: Depth): string => (depth === 'all' ? 'all' : String(depth));

/**
 * Nodes whose label (or id) contains the query, best first: the exact name, then names that
 * start with it, then the rest; shorter names first within each.
 */
export function searchNodes(entries: readonly LineageEntry[], query: string, limit = 12): LineageEntry[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return [];
  const scored: Array<{ entry: LineageEntry; score: number }> = [];
  for (const entry of entries) {
    const label = entry.label.toLowerCase();
    const name = label.slice(label.lastIndexOf('.') + 1);
    let score: number;
    if (label === needle || name === needle) score = 0;
    else if (label.startsWith(needle) || name.startsWith(needle)) score = 1;
    else if (label.includes(needle)) score = 2;
    else if (entry.id.toLowerCase().includes(needle)) score = 3;
    else continue;
    scored.push({ entry, score });
  }
  scored.sort((a, b) => a.score - b.score || a.entry.label.length - b.entry.label.length || a.entry.label.localeCompare(b.entry.label));
  return scored.slice(0, limit).map((item) => item.entry);
}

/** What a column's lineage says in a word or two: where it comes from, or that it is unknown. */
export function lineageSummary(column: ColumnLineage, labelOf: (nodeId: string | undefined, relation: string) => string): string {
  if (column.unknown && column.sources.length === 0) return 'unknown';
  const from = column.sources.map((source) => `${labelOf(source.nodeId, source.relation)}.${source.column}`);
  if (column.transform === 'constant') return 'constant';
  const text = column.transform === 'copy' && from.length === 1 ? `← ${from[0] ?? ''}` : `ƒ ${from.length === 0 ? 'of rows' : from.length <= 2 ? from.join(', ') : `${from.length} columns`}`;
  return column.unknown ? `${text} (partly unknown)` : text;
}
