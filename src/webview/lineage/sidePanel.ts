/// <reference lib="dom" />
/**
 * The selected node's side panel: what it is, its status, the actions (Open, Preview, Build,
 * Build + downstream, Focus), its description, its columns with their lineage (unknown and
 * unparsed said as such, with the reason), and the upstream of the column picked.
 */
import type { ColumnLineage } from '../../authoring/columnLineage';
import type { ColumnTrace, TraceState } from '../../authoring/columnTrace';
import type { LineageColumn, LineageNodeDetails, LineageNodeView, NodeLineage } from '../lineageProtocol';
import { button, el } from '../preview/dom';
import { LANE_TITLES, lineageSummary, statusLines } from './format';
import { lineageIcon, type LineageIcon } from './icons';

export type NodeAction = 'open' | 'preview' | 'build' | 'buildDownstream' | 'focus';

export interface SidePanelHandlers {
  action(action: NodeAction, nodeId: string): void;
  selectColumn(nodeId: string, column: string): void;
  /** Select a node of the trace (it may be outside the view). */
  goTo(nodeId: string): void;
  close(): void;
  /** How a node (or a table outside the project) is named. */
  labelOf: (nodeId: string | undefined, relation?: string) => string;
  /** Whether a node is in the graph shown. */
  inView: (nodeId: string) => boolean;
}

const STATE_TEXT: Record<TraceState, string> = { traced: '', root: 'source', unknown: 'unknown', unparsed: 'unparsed' };

/** A button with one of the lineage icons. */
export function iconButton(label: string, iconName: LineageIcon, onClick: () => void, options: { showLabel?: boolean; className?: string } = {}): HTMLButtonElement {
  const element = button(label, undefined, onClick, options);
  element.prepend(lineageIcon(iconName));
  return element;
}

export class SidePanel {
  readonly element = el('aside', 'side');
  private readonly title = el('h2', 'side-title');
  private readonly facts = el('div', 'side-facts');
  private readonly status = el('ul', 'side-status');
  private readonly description = el('p', 'side-description');
  private readonly lineageNote = el('div', 'lineage-note');
  private readonly columnsTitle = el('h3', 'side-heading', 'Columns');
  private readonly columnList = el('ul', 'column-list');
  private readonly traceSection = el('section', 'trace');
  private readonly actions = el('div', 'side-actions');
  private nodeId: string | undefined;
  private details: LineageNodeDetails | undefined;
  private lineage: NodeLineage | undefined;
  private activeColumn: string | undefined;

  constructor(private readonly handlers: SidePanelHandlers) {
    this.element.setAttribute('aria-label', 'Selected node');
    this.element.hidden = true;
    const header = el('div', 'side-header');
    header.append(this.title, iconButton('Close', 'close', () => handlers.close(), { showLabel: false, className: 'icon-only' }));
    const act = (action: NodeAction) => () => this.nodeId && handlers.action(action, this.nodeId);
    this.actions.setAttribute('role', 'toolbar');
    this.actions.setAttribute('aria-label', 'Actions');
    this.actions.append(
      iconButton('Open', 'open', act('open'), { className: 'secondary action-open' }),
      iconButton('Preview', 'preview', act('preview'), { className: 'secondary action-preview' }),
      iconButton('Build', 'build', act('build'), { className: 'secondary action-build' }),
      iconButton('Build + downstream', 'downstream', act('buildDownstream'), { className: 'secondary action-build-downstream' }),
      iconButton('Focus', 'focus', act('focus'), { className: 'secondary action-focus' }),
    );
    this.traceSection.hidden = true;
    this.columnList.setAttribute('aria-label', 'Columns: pick one to trace its upstream');
    const scroll = el('div', 'side-scroll');
    scroll.append(this.facts, this.status, this.actions, this.description, this.columnsTitle, this.lineageNote, this.columnList, this.traceSection);
    this.element.append(header, scroll);
  }

  get shown(): string | undefined {
    return this.nodeId;
  }

  get column(): string | undefined {
    return this.activeColumn;
  }

  /** Shows a node at once from what the graph knows; details and lineage follow. */
  show(node: LineageNodeView): void {
    const same = node.id === this.nodeId;
    this.nodeId = node.id;
    this.element.hidden = false;
    this.title.textContent = node.label;
    this.title.title = node.id;
    this.facts.textContent = [node.kind, LANE_TITLES[node.lane], node.materialization].filter(Boolean).join(' · ');
    this.updateStatus(node);
    if (same) return;
    this.details = undefined;
    this.lineage = undefined;
    this.activeColumn = undefined;
    this.description.textContent = '';
    this.lineageNote.hidden = true;
    this.traceSection.hidden = true;
    this.columnList.replaceChildren(el('li', 'column-empty', 'Loading columns…'));
    this.columnsTitle.textContent = 'Columns';
  }

  hide(): void {
    this.nodeId = undefined;
    this.activeColumn = undefined;
    this.element.hidden = true;
  }

  updateStatus(node: LineageNodeView): void {
    if (node.id !== this.nodeId) return;
    const lines = statusLines(node, Date.now());
    this.status.replaceChildren(...lines.map((line) => el('li', undefined, line)));
    this.status.hidden = lines.length === 0;
  }

  setDetails(nodeId: string, details: LineageNodeDetails): void {
    if (nodeId !== this.nodeId) return;
    this.details = details;
    const description = details.description?.trim();
    this.description.textContent = description || 'No description.';
    this.description.classList.toggle('muted', !description);
    this.renderColumns();
  }

  setLineage(nodeId: string, lineage: NodeLineage): void {
    if (nodeId !== this.nodeId) return;
    this.lineage = lineage;
    this.lineageNote.hidden = lineage.status === 'parsed';
    this.lineageNote.className = `lineage-note ${lineage.status}`;
    if (lineage.status === 'unparsed') this.lineageNote.textContent = `Column lineage unparsed: DuckDB could not parse the compiled SQL (${lineage.reason}).`;
    else if (lineage.status === 'none') this.lineageNote.textContent = `No column lineage: ${lineage.reason}.`;
    this.renderColumns();
  }

  /** Lists the upstream of the column traced, nearest first. */
  setTrace(nodeId: string, column: string, trace: ColumnTrace): void {
    const { labelOf, inView } = this.handlers;
    if (nodeId !== this.nodeId || column !== this.activeColumn) return;
    const upstream = trace.columns.slice(1);
    const nodes = new Set(upstream.map((entry) => entry.nodeId ?? entry.relation));
    const heading = el('h3', 'side-heading', `Upstream of ${column}`);
    const summary = el('p', 'trace-summary', upstream.length === 0 ? this.originText(trace) : `${upstream.length} ${upstream.length === 1 ? 'column' : 'columns'} in ${nodes.size} ${nodes.size === 1 ? 'node' : 'nodes'}${trace.truncated ? ' (cut short)' : ''}.`);
    const list = el('ol', 'trace-list');
    for (const entry of upstream) {
      const item = el('li', `trace-item state-${entry.state}`);
      item.dataset.node = entry.nodeId ?? '';
      item.dataset.column = entry.column;
      const name = el('button', 'trace-name', `${labelOf(entry.nodeId, entry.relation)}.${entry.column}`);
      name.type = 'button';
      name.disabled = entry.nodeId === undefined;
      if (entry.nodeId) {
        const target = entry.nodeId;
        name.addEventListener('click', () => this.handlers.goTo(target));
      }
      item.append(el('span', 'trace-depth', `${entry.depth}`), name);
      if (STATE_TEXT[entry.state]) item.append(el('span', `badge state-${entry.state}`, STATE_TEXT[entry.state]));
      if (entry.nodeId && !inView(entry.nodeId)) item.append(el('span', 'badge outside', 'not in view'));
      if (entry.reason) item.append(el('div', 'trace-reason', entry.reason));
      list.append(item);
    }
    this.traceSection.replaceChildren(heading, summary, list);
    this.traceSection.hidden = false;
  }

  /** Why a column has no upstream: a constant, a source, or unknown. */
  private originText(trace: ColumnTrace): string {
    const origin = trace.columns[0];
    if (!origin) return '';
    if (origin.state === 'root') return 'A source column: the lineage starts here.';
    if (origin.state === 'unknown' || origin.state === 'unparsed') return `Unknown: ${origin.reason ?? 'no reason given'}.`;
    return origin.transform === 'constant' ? 'A constant: it reads no column.' : 'Computed from rows, not from a column.';
  }

  private renderColumns(): void {
    const documented = this.details?.columns ?? [];
    const lineage = this.lineage?.status === 'parsed' ? this.lineage.columns : undefined;
    // The SQL's own columns in its order; documented columns it does not yield after them.
    const byName = new Map(documented.map((column) => [column.name.toLowerCase(), column]));
    const rows: Array<{ column: LineageColumn; lineage?: ColumnLineage | undefined; missing?: boolean }> = [];
    if (lineage) {
      for (const entry of lineage) {
        rows.push({ column: byName.get(entry.name.toLowerCase()) ?? { name: entry.name }, lineage: entry });
        byName.delete(entry.name.toLowerCase());
      }
      for (const column of byName.values()) rows.push({ column, missing: true });
    } else {
      rows.push(...documented.map((column) => ({ column })));
    }
    this.columnsTitle.textContent = `Columns (${rows.length})`;
    if (rows.length === 0) {
      this.columnList.replaceChildren(el('li', 'column-empty', this.details ? 'No columns known: build the model or document them in YAML.' : 'Loading columns…'));
      return;
    }
    const labelOf = (nodeId: string | undefined, relation: string): string => this.handlers.labelOf(nodeId, relation);
    this.columnList.replaceChildren(
      ...rows.map(({ column, lineage: entry, missing }) => {
        const item = el('li', 'column-item');
        const pick = el('button', 'column-button');
        pick.type = 'button';
        pick.dataset.column = column.name;
        pick.setAttribute('aria-pressed', String(column.name === this.activeColumn));
        const head = el('span', 'column-head');
        head.append(lineageIcon('column'), el('span', 'column-name', column.name));
        if (column.type) head.append(el('span', 'column-type', column.type));
        pick.append(head);
        if (entry) {
          const unknown = entry.unknown !== undefined;
          const summary = el('span', `column-lineage${unknown ? ' unknown' : ''}`, lineageSummary(entry, labelOf));
          if (unknown) {
            item.classList.add('unknown');
            summary.title = entry.unknown ?? '';
            pick.append(summary, el('span', 'column-reason', `unknown: ${entry.unknown ?? ''}`));
          } else {
            pick.append(summary);
          }
        } else if (missing) {
          pick.append(el('span', 'column-lineage muted', 'documented, not in the compiled SQL'));
        } else if (this.lineage?.status === 'unparsed') {
          item.classList.add('unparsed');
          pick.append(el('span', 'column-lineage unparsed', 'unparsed'));
        }
        if (column.description) pick.title = column.description;
        pick.addEventListener('click', () => this.reselectColumn(column.name));
        item.append(pick);
        return item;
      }),
    );
  }

  /** Picks a column of the node shown: its upstream is traced. */
  reselectColumn(name: string): void {
    if (!this.nodeId) return;
    this.activeColumn = name;
    this.columnList.querySelectorAll<HTMLElement>('.column-button').forEach((other) => other.setAttribute('aria-pressed', String(other.dataset.column === name)));
    this.traceSection.hidden = false;
    this.traceSection.replaceChildren(el('h3', 'side-heading', `Upstream of ${name}`), el('p', 'trace-summary', 'Tracing…'));
    this.handlers.selectColumn(this.nodeId, name);
  }

  /** Forgets the column picked (a new selection, Escape). */
  clearColumn(): void {
    this.activeColumn = undefined;
    this.traceSection.hidden = true;
    this.columnList.querySelectorAll('.column-button').forEach((other) => other.setAttribute('aria-pressed', 'false'));
  }
}
