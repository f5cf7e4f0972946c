/**
 * The table / query preview: a webview panel that asks the warehouse for one page at a time.
 * It owns its disposables and its running queries (a newer request, or closing the panel,
 * cancels the older one), and it restores itself after a reload from the state the webview
 * saves (`PreviewSerializer`). The SQL comes from the pure `warehouse/preview` module.
 */
import * as vscode from 'vscode';
import { WebviewTypes } from '../constants';
import {
  chartSql,
  countSql,
  exportSql,
  MAX_PAGE_ROWS,
  pageSql,
  schemaSql,
  sourceLabel,
  tieBreakColumns,
  type PreviewBackend,
  type PreviewSort,
  type PreviewSource,
} from '../warehouse/preview';
import type { QueryColumn } from '../warehouse/values';
import { createNonce, previewHtml } from '../webview/html';
import { parseFromWebview, parsePreviewState, type FromWebview, type PreviewState, type ToWebview } from '../webview/protocol';

export interface PreviewOptions {
  /** Rows per page (`medallion.preview.pageSize`); 200 by default. */
  pageSize?: number;
  /** Where a new panel opens; the active column by default. */
  viewColumn?: vscode.ViewColumn;
}

const DEFAULT_PAGE_SIZE = 200;

/** Only the bundled script and the stylesheet may load; nothing else of the extension or the disk. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

/** Identity of a source: one panel per table or query text. */
function sourceKey(source: PreviewSource): string {
  return JSON.stringify(source.kind === 'table' ? [source.database ?? '', source.schema, source.name] : [source.sql]);
}

function describe(source: PreviewSource, dialect: string): string {
  const warehouse = dialect === 'snowflake' ? 'Snowflake' : 'DuckDB';
  if (source.kind === 'table') return `${sourceLabel(source)} · ${warehouse}`;
  const text = source.sql.replace(/\s+/g, ' ').trim();
  return `${text.length > 160 ? `${text.slice(0, 159)}…` : text} · ${warehouse}`;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A backend that only reports why there is none (a restored panel whose warehouse cannot be reached). */
function unavailableBackend(message: string): PreviewBackend {
  const fail = (): Promise<never> => Promise.reject(new Error(message));
  return { dialect: 'duckdb', run: fail, exportCsv: fail };
}

/** A file name from a label: `gold.orders.csv`. */
function csvFileName(label: string): string {
  return `${label.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'preview'}.csv`;
}

export class PreviewPanel implements vscode.Disposable {
  /**
   * Open panels by source, so that previewing a table again reveals (and refreshes) its panel.
   * A panel removes itself when closed; this is the only state shared between panels.
   */
  private static readonly panels = new Map<string, PreviewPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private readonly sent = new vscode.EventEmitter<ToWebview>();
  /** Every message sent to the webview (for the extension's own tests and diagnostics). */
  readonly onDidSend = this.sent.event;
  private readonly key: string;
  private readonly pageSize: number;
  private columns: QueryColumn[] | undefined;
  private page: AbortController | undefined;
  private counting: AbortController | undefined;
  private charting: AbortController | undefined;
  private disposed = false;

  /** Opens a preview of `source`, or reveals and refreshes the one already open. */
  static show(extensionUri: vscode.Uri, backend: PreviewBackend, source: PreviewSource, title: string, options: PreviewOptions = {}): PreviewPanel {
    const existing = PreviewPanel.panels.get(sourceKey(source));
    if (existing) {
      existing.backend = backend;
      existing.panel.reveal();
      existing.post({ type: 'refresh' });
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(WebviewTypes.preview, title, options.viewColumn ?? vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return new PreviewPanel(panel, extensionUri, backend, { version: 1, title, source, offset: 0 }, options);
  }

  /** Takes over a panel VS Code restored after a reload (see `PreviewSerializer`). */
  static restore(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, backend: PreviewBackend, state: PreviewState, options: PreviewOptions = {}): PreviewPanel {
    PreviewPanel.panels.get(sourceKey(state.source))?.dispose();
    return new PreviewPanel(panel, extensionUri, backend, state, options);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private backend: PreviewBackend,
    private state: PreviewState,
    options: PreviewOptions,
  ) {
    this.key = sourceKey(state.source);
    this.pageSize = Math.min(MAX_PAGE_ROWS, Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)));
    const webview = panel.webview;
    webview.options = webviewOptions(extensionUri);
    panel.title = state.title;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'medallion.svg');
    webview.html = previewHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'preview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'preview.css')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((message: unknown) => {
        const parsed = parseFromWebview(message);
        if (!parsed) return;
        this.handle(parsed).catch((error: unknown) => void vscode.window.showErrorMessage(`Preview: ${messageOf(error)}`));
      }),
    );
    PreviewPanel.panels.set(this.key, this);
  }

  private post(message: ToWebview): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message);
    this.sent.fire(message);
  }

  private async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.post({
          type: 'init',
          state: this.state,
          pageSize: this.pageSize,
          dialect: this.backend.dialect,
          description: describe(this.state.source, this.backend.dialect),
        });
        return;
      case 'requestPage': {
        // The source may have changed since (a dbt run): forget its columns, count again.
        if (message.recount) this.columns = undefined;
        // The page first: its statement is queued before the count's, so it shows first.
        const page = this.loadPage(message.requestId, message.offset, message.sort);
        if (message.recount) void this.count();
        return page;
      }
      case 'cancel':
        this.page?.abort();
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        this.post({ type: 'copied', cells: message.cells });
        return;
      case 'export':
        return this.exportCsv(message.sort);
      case 'chart':
        return this.chart(message.requestId, message.column);
    }
  }

  /** Replaces a running request of the same kind: the older one is cancelled. */
  private supersede(previous: AbortController | undefined): AbortController {
    previous?.abort();
    return new AbortController();
  }

  /** The result's columns: known from an earlier page, or asked for (no rows). */
  private async knownColumns(signal: AbortSignal): Promise<QueryColumn[]> {
    this.columns ??= (await this.backend.run(schemaSql(this.state.source, this.backend.dialect), signal)).columns;
    return this.columns;
  }

  /**
   * The source as paging sees it: a table with its own `rowid` column hides DuckDB's, so it
   * pages like a view.
   */
  private pagingSource(columns: readonly QueryColumn[] | undefined): PreviewSource {
    const source = this.state.source;
    if (source.kind !== 'table' || !columns?.some((column) => column.name.toLowerCase() === 'rowid')) return source;
    return { ...source, tableType: 'view' };
  }

  private async loadPage(requestId: number, offset: number, sort: PreviewSort | undefined): Promise<void> {
    const controller = (this.page = this.supersede(this.page));
    const { signal } = controller;
    this.state = { ...this.state, offset, sort };
    try {
      const dialect = this.backend.dialect;
      const columns = sort ? await this.knownColumns(signal) : undefined;
      const tieBreak = sort && columns ? tieBreakColumns(columns, sort.column, dialect) : undefined;
      const sql = pageSql({ source: this.pagingSource(columns), offset, limit: this.pageSize, ...(sort ? { sort, tieBreak } : {}) }, dialect);
      const started = performance.now();
      const result = await this.backend.run(sql, signal);
      const elapsedMs = performance.now() - started;
      this.columns = result.columns;
      if (signal.aborted) return;
      this.post({ type: 'page', requestId, offset, ...(sort ? { sort } : {}), columns: result.columns, rows: result.rows, elapsedMs });
    } catch (error) {
      if (!signal.aborted) this.post({ type: 'pageError', requestId, message: messageOf(error) });
    } finally {
      if (this.page === controller) this.page = undefined;
    }
  }

  private async count(): Promise<void> {
    const controller = (this.counting = this.supersede(this.counting));
    const { signal } = controller;
    try {
      const started = performance.now();
      const result = await this.backend.run(countSql(this.state.source, this.backend.dialect), signal);
      const total = Number(result.rows[0]?.[0] ?? NaN);
      if (signal.aborted) return;
      if (!Number.isSafeInteger(total)) throw new Error('the warehouse returned no row count');
      this.post({ type: 'count', total, elapsedMs: performance.now() - started });
    } catch (error) {
      if (!signal.aborted) this.post({ type: 'countError', message: messageOf(error) });
    } finally {
      if (this.counting === controller) this.counting = undefined;
    }
  }

  private async chart(requestId: number, columnName: string): Promise<void> {
    const controller = (this.charting = this.supersede(this.charting));
    const { signal } = controller;
    try {
      const column = (await this.knownColumns(signal)).find((candidate) => candidate.name === columnName);
      if (!column) throw new Error(`there is no column ${columnName}`);
      const { sql, toChart } = chartSql(this.state.source, column, this.backend.dialect);
      const started = performance.now();
      const result = await this.backend.run(sql, signal);
      if (signal.aborted) return;
      this.post({ type: 'chart', requestId, chart: toChart(result), elapsedMs: performance.now() - started });
    } catch (error) {
      if (!signal.aborted) this.post({ type: 'chartError', requestId, column: columnName, message: messageOf(error) });
    } finally {
      if (this.charting === controller) this.charting = undefined;
    }
  }

  /** Every row, in the current order, to a CSV file: the warehouse streams it, a notification shows progress and can cancel. */
  private async exportCsv(sort: PreviewSort | undefined): Promise<void> {
    const label = sourceLabel(this.state.source);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: `Export ${this.state.title} to CSV`,
      saveLabel: 'Export',
      filters: { CSV: ['csv'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, csvFileName(label)) } : {}),
    });
    if (!target) return;
    if (target.scheme !== 'file') {
      const message = 'Export writes to files on this machine only; pick a local folder.';
      this.post({ type: 'exportFailed', message });
      void vscode.window.showErrorMessage(message);
      return;
    }
    const backend = this.backend;
    const sql = exportSql(this.pagingSource(this.columns), backend.dialect, sort);
    try {
      const started = performance.now();
      const rows = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Exporting ${label} to CSV…`, cancellable: true },
        (_progress, token) => {
          // The export outlives the panel on purpose: the notification owns it and can cancel it.
          const controller = new AbortController();
          const cancel = token.onCancellationRequested(() => controller.abort());
          return backend.exportCsv(sql, target.fsPath, controller.signal).finally(() => {
            cancel.dispose();
          });
        },
      );
      this.post({ type: 'exported', file: target.fsPath, rows, elapsedMs: performance.now() - started });
      const open = await vscode.window.showInformationMessage(`Exported ${rows.toLocaleString('en-US')} rows to ${target.fsPath}.`, 'Open File');
      if (open) await vscode.commands.executeCommand('vscode.open', target);
    } catch (error) {
      const message = error instanceof Error && error.name === 'AbortError' ? 'Export cancelled.' : `Export failed: ${messageOf(error)}`;
      this.post({ type: 'exportFailed', message });
      if (!(error instanceof Error && error.name === 'AbortError')) void vscode.window.showErrorMessage(message);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (PreviewPanel.panels.get(this.key) === this) PreviewPanel.panels.delete(this.key);
    for (const controller of [this.page, this.counting, this.charting]) controller?.abort();
    this.panel.dispose();
    this.sent.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

/**
 * Restores preview panels after VS Code reloads, from the state their webview saved. Register it
 * for `WebviewTypes.preview` during activation (and add `onWebviewPanel:medallion.preview` to
 * `activationEvents`).
 */
export class PreviewSerializer implements vscode.WebviewPanelSerializer<unknown> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly backend: () => PreviewBackend,
    private readonly options: () => PreviewOptions = () => ({}),
  ) {}

  deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Thenable<void> {
    const restored = parsePreviewState(state);
    if (!restored) {
      // Nothing to show (saved by an older version, or never initialised): an empty panel helps nobody.
      panel.dispose();
      return Promise.resolve();
    }
    let backend: PreviewBackend;
    try {
      backend = this.backend();
    } catch (error) {
      backend = unavailableBackend(messageOf(error));
    }
    PreviewPanel.restore(panel, this.extensionUri, backend, restored, this.options());
    return Promise.resolve();
  }
}
