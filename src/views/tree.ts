/**
 * The Warehouse view: Bronze / Silver / Gold (and Snapshots / Other) -> tables -> columns.
 * One node class per kind; the loaded snapshot is cached until `refresh()`.
 */
import * as vscode from 'vscode';
import { TreeItemKinds } from '../constants';
import { layerDescription, type Layer, type LayerInfo, type TableInfo } from '../core/layers';
import { errorLine } from '../core/errors';

export type TreeSnapshot =
  | { kind: 'layers'; layers: LayerInfo[]; note?: string | undefined }
  /** Nothing to show; the view's welcome content (context keys) explains why. */
  | { kind: 'empty' }
  | { kind: 'message'; message: string; detail?: string | undefined };

export interface TreeSource {
  load(): Promise<TreeSnapshot>;
}

const LAYER_LABELS: Record<Layer, string> = { bronze: 'Bronze', silver: 'Silver', gold: 'Gold', snapshots: 'Snapshots', other: 'Other' };
const LAYER_ICONS: Record<Layer, [string, string]> = {
  bronze: ['layers', 'charts.orange'],
  silver: ['layers', 'descriptionForeground'],
  gold: ['layers', 'charts.yellow'],
  snapshots: ['history', 'charts.purple'],
  other: ['folder', 'foreground'],
};

const count = (n: number): string => n.toLocaleString('en-US');

/** "3 min ago", "2 days ago", "in 5 h" for simulated clocks ahead of ours. */
export function relativeTime(iso: string, now = Date.now()): string {
  const diff = (now - Date.parse(iso)) / 1000;
  if (!Number.isFinite(diff)) return '';
  const abs = Math.abs(diff);
  const [value, unit] =
    abs < 60 ? [Math.round(abs), 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86_400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86_400), abs < 172_800 ? 'day' : 'days'];
  return diff >= 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

export class LayerItem extends vscode.TreeItem {
  readonly kind = 'layer';
  constructor(readonly info: LayerInfo) {
    super(LAYER_LABELS[info.layer], info.tables.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = `layer:${info.layer}`;
    this.contextValue = TreeItemKinds.layer;
    const [icon, color] = LAYER_ICONS[info.layer];
    this.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    this.description = layerDescription(info);
  }
}

/** "1,234 rows", or "≈1,234 rows (estimate)" when the warehouse only estimated it. */
const rowsText = (table: TableInfo): string => (table.rowsEstimated ? `≈${count(table.rows ?? 0)} rows` : `${count(table.rows ?? 0)} rows`);

function statusIcon(table: TableInfo): vscode.ThemeIcon {
  const status = table.status?.status;
  const tests = table.status?.tests;
  if (status === 'error' || status === 'fail' || tests === 'fail' || tests === 'error') return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
  if (status === 'warn' || tests === 'warn') return new vscode.ThemeIcon('warning', new vscode.ThemeColor('testing.iconQueued'));
  if (!table.existsInWarehouse) return new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('disabledForeground'));
  if (table.tableType === 'view') return new vscode.ThemeIcon('eye');
  return new vscode.ThemeIcon('table', status === 'success' ? new vscode.ThemeColor('testing.iconPassed') : undefined);
}

export class TableItem extends vscode.TreeItem {
  readonly kind = 'table';
  constructor(
    readonly table: TableInfo,
    readonly parent: LayerItem,
  ) {
    super(table.name, table.columns.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `table:${table.id}`;
    const kind = table.relation?.kind;
    this.contextValue = kind === 'model' || kind === 'seed' ? TreeItemKinds.model : kind === 'source' ? TreeItemKinds.source : kind === 'snapshot' ? TreeItemKinds.snapshot : TreeItemKinds.table;
    this.iconPath = statusIcon(table);
    const parts: string[] = [];
    if (!table.existsInWarehouse) parts.push('not built');
    else if (table.rows !== undefined) parts.push(rowsText(table));
    else if (table.tableType === 'view') parts.push('view');
    if (table.freshAt) parts.push(relativeTime(table.freshAt));
    this.description = parts.join(' · ');
    this.tooltip = tooltipOf(table);
    this.accessibilityInformation = { label: `${table.name}, ${parts.join(', ')}${table.status ? `, last dbt status ${table.status.status}` : ''}` };
  }
}

function tooltipOf(table: TableInfo): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.supportHtml = false;
  md.appendMarkdown(`**${escape(table.schema)}.${escape(table.name)}**`);
  if (table.relation) md.appendMarkdown(` · ${escape(table.relation.kind)}${table.relation.materialization ? ` (${escape(table.relation.materialization)})` : ''}`);
  md.appendMarkdown('\n\n');
  if (table.relation?.description) md.appendMarkdown(`${escape(table.relation.description)}\n\n`);
  md.appendMarkdown(`$(layers) ${LAYER_LABELS[table.layer]}: ${escape(table.layerReason)}  \n`);
  if (table.rows !== undefined) md.appendMarkdown(`$(database) ${rowsText(table)}${table.rowsEstimated ? ' (the warehouse\'s estimate, not a count)' : ''}  \n`);
  if (table.freshAt) md.appendMarkdown(`$(clock) ${table.layer === 'bronze' ? 'last batch synced' : 'last built'} ${escape(new Date(table.freshAt).toLocaleString())}  \n`);
  if (table.status) {
    md.appendMarkdown(`$(pulse) last dbt status: **${escape(table.status.status)}**${table.status.tests ? `, tests: **${escape(table.status.tests)}**` : ''}  \n`);
    if (table.status.message) md.appendMarkdown(`\n\n${escape(table.status.message.slice(0, 500))}`);
  }
  if (!table.existsInWarehouse) md.appendMarkdown('\n\nNot in the warehouse yet: build it with dbt.');
  return md;
}

const escape = (text: string): string => text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (char) => `\\${char}`);

export class ColumnItem extends vscode.TreeItem {
  readonly kind = 'column';
  constructor(
    readonly column: TableInfo['columns'][number],
    readonly parent: TableItem,
  ) {
    super(column.name, vscode.TreeItemCollapsibleState.None);
    this.id = `column:${parent.table.id}.${column.name}`;
    this.contextValue = TreeItemKinds.column;
    this.description = column.type.toLowerCase();
    this.iconPath = new vscode.ThemeIcon(columnIcon(column.type));
    if (column.description) this.tooltip = column.description;
  }
}

function columnIcon(type: string): string {
  const upper = type.toUpperCase();
  if (/INT|DECIMAL|DOUBLE|FLOAT|NUMBER|REAL|NUMERIC/.test(upper)) return 'symbol-number';
  if (/TIME|DATE/.test(upper)) return 'calendar';
  if (upper.startsWith('BOOL')) return 'symbol-boolean';
  return 'symbol-string';
}

export class MessageItem extends vscode.TreeItem {
  readonly kind = 'message';
  constructor(message: string, detail?: string) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.contextValue = TreeItemKinds.message;
    this.iconPath = new vscode.ThemeIcon('info');
    if (detail) this.tooltip = detail;
  }
}

export type MedallionItem = LayerItem | TableItem | ColumnItem | MessageItem;

export class MedallionTreeProvider implements vscode.TreeDataProvider<MedallionItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<MedallionItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: Promise<TreeSnapshot> | undefined;
  private layerItems: LayerItem[] = [];

  constructor(private readonly source: TreeSource) {}

  /** Forgets the cached snapshot and asks the view to load again. */
  refresh(): void {
    this.snapshot = undefined;
    this.changed.fire(undefined);
  }

  /** The last snapshot loaded (loading it if needed). */
  current(): Promise<TreeSnapshot> {
    this.snapshot ??= this.source.load().catch((error: unknown): TreeSnapshot => ({
      kind: 'message',
      message: errorLine(error),
    }));
    return this.snapshot;
  }

  /** Every table of the current snapshot. */
  async tables(): Promise<TableInfo[]> {
    const snapshot = await this.current();
    return snapshot.kind === 'layers' ? snapshot.layers.flatMap((layer) => layer.tables) : [];
  }

  getTreeItem(item: MedallionItem): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: MedallionItem): Promise<MedallionItem[]> {
    if (!item) {
      const snapshot = await this.current();
      if (snapshot.kind === 'empty') return [];
      if (snapshot.kind === 'message') return [new MessageItem(snapshot.message, snapshot.detail)];
      this.layerItems = snapshot.layers.map((layer) => new LayerItem(layer));
      return snapshot.note ? [new MessageItem(snapshot.note), ...this.layerItems] : this.layerItems;
    }
    if (item instanceof LayerItem) return item.info.tables.map((table) => new TableItem(table, item));
    if (item instanceof TableItem) return item.table.columns.map((column) => new ColumnItem(column, item));
    return [];
  }

  getParent(item: MedallionItem): MedallionItem | undefined {
    if (item instanceof TableItem || item instanceof ColumnItem) return item.parent;
    return undefined;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
