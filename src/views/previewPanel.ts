/**
 * The table / query preview: a webview panel that asks its `PreviewSession` for one page at a
 * time. It owns its disposables and its running queries (a newer request, or closing the panel,
 * cancels the older one), and it restores itself after a reload from the state the webview
 * saves (`PreviewSerializer`). A new preview reuses the panel that is not pinned (as VS Code's
 * preview editors do): creating a webview costs the workbench about a second, showing another
 * table in a loaded one does not. The SQL comes from the pure `warehouse/preview` module.
 */
import * as vscode from 'vscode';
import { WebviewTypes } from '../constants';
import { computeChart } from '../warehouse/histogram';
import { exportSql, MAX_PAGE_ROWS, sourceLabel, type PreviewBackend, type PreviewSort, type PreviewSource } from '../warehouse/preview';
import { DataChangedError, PreviewSession, sourceKey, type SessionProgress } from '../warehouse/previewSession';
import { createNonce, previewHtml } from '../webview/html';
import { parseFromWebview, parsePreviewState, type FromWebview, type PreviewState, type ToWebview } from '../webview/protocol';
import type { PreviewHost } from './previewService';
import { errorMessage, isAbortError } from '../core/errors';

export interface PreviewOptions {
  /** Rows per page (`medallion.preview.pageSize`); 200 by default. */
  pageSize?: number;
  /** Where a new panel opens; the active column by default. */
  viewColumn?: vscode.ViewColumn;
  /** The shared cache and the warehouse's events (the extension's `PreviewService`). */
  host?: PreviewHost;
}

const DEFAULT_PAGE_SIZE = 200;

/** Only the bundled script and the stylesheet may load; nothing else of the extension or the disk. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    // A preview in a background tab keeps its page, scroll and selection, and needs no reload.
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

function describe(source: PreviewSource, dialect: string): string {
  const warehouse = dialect === 'snowflake' ? 'Snowflake' : 'DuckDB';
  if (source.kind === 'table') return `${sourceLabel(source)} · ${warehouse}`;
  const text = source.sql.replace(/\s+/g, ' ').trim();
  return `${text.length > 160 ? `${text.slice(0, 159)}…` : text} · ${warehouse}`;
}

/** A backend that only reports why there is none (a restored panel whose warehouse cannot be reached). */
function unavailableBackend(message: string): PreviewBackend {
  const fail = (): Promise<never> => Promise.reject(new Error(message));
  return { dialect: 'duckdb', run: fail, exportCsv: fail };
}

/** A file name from a label: `gold.orders.csv`. */
function csvFileName(label: string): string {
  return `${label.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'preview'}.csv`;
}

/** Panels are reused per kind: table previews in the active column, query results beside the editor. */
type Slot = 'table' | 'query';

let sessionCount = 0;

export class PreviewPanel implements vscode.Disposable {
  /**
   * Open panels by source, so that previewing a table again reveals (and refreshes) its panel, and
   * the panel each kind of preview reuses (the latest one not pinned). A panel removes itself when
   * closed; this is the only state shared between panels.
   */
  private static readonly panels = new Map<string, PreviewPanel>();
  private static readonly reusable = new Map<Slot, PreviewPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private readonly sent = new vscode.EventEmitter<ToWebview>();
  /** Every message sent to the webview (for the extension's own tests and diagnostics). */
  readonly onDidSend = this.sent.event;
  private readonly received = new vscode.EventEmitter<FromWebview>();
  /** Every valid message from the webview (tests and benchmarks time the steps of a preview with it). */
  readonly onDidReceive = this.received.event;
  private key: string;
  private readonly pageSize: number;
  private session: PreviewSession | undefined;
  private page: AbortController | undefined;
  private counting: AbortController | undefined;
  private charting: AbortController | undefined;
  private profiling: AbortController | undefined;
  /** A page that failed while dbt was rebuilding the warehouse: asked again when dbt is done. */
  private retryWhenIdle: (() => void) | undefined;
  private pinned = false;
  private ready = false;
  private disposed = false;

  /** Opens a preview of `source`: reveals its panel, or shows it in the panel to reuse, or opens one. */
  static show(extensionUri: vscode.Uri, backend: PreviewBackend, source: PreviewSource, title: string, options: PreviewOptions = {}): PreviewPanel {
    const existing = PreviewPanel.panels.get(sourceKey(source));
    if (existing) {
      existing.backend = backend;
      existing.panel.reveal(undefined, false);
      // Previewing again is an explicit refresh: the same snapshot (from the cache) when nothing changed.
      existing.post({ type: 'refresh' });
      return existing;
    }
    const slot: Slot = source.kind === 'table' ? 'table' : 'query';
    const reused = PreviewPanel.reusable.get(slot);
    if (reused && !reused.disposed) {
      reused.switchTo(backend, { version: 1, title, source, offset: 0 });
      reused.panel.reveal(undefined, false);
      return reused;
    }
    const panel = vscode.window.createWebviewPanel(WebviewTypes.preview, title, options.viewColumn ?? vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return new PreviewPanel(panel, extensionUri, backend, { version: 1, title, source, offset: 0 }, options);
  }

  /** The preview panel in front (the one the command palette's preview commands act on), if any. */
  static active(): PreviewPanel | undefined {
    return [...PreviewPanel.panels.values()].find((candidate) => candidate.panel.active);
  }

  /** Shows or hides the column profiles in the webview (`show` undefined: toggles). */
  showProfile(show?: boolean): void {
    this.post({ type: 'showProfile', ...(show !== undefined ? { show } : {}) });
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
    private readonly options: PreviewOptions,
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
        this.received.fire(parsed);
        this.handle(parsed).catch((error: unknown) => void vscode.window.showErrorMessage(`Preview: ${errorMessage(error)}`));
      }),
    );
    const host = options.host;
    if (host) {
      this.disposables.push(
        host.onDidChangeData(() => void this.checkSnapshot()),
        host.onDidChangeBusy(() => this.busyChanged()),
      );
    }
    PreviewPanel.panels.set(this.key, this);
    PreviewPanel.reusable.set(this.slot, this);
  }

  private get slot(): Slot {
    return this.state.source.kind === 'table' ? 'table' : 'query';
  }

  private post(message: ToWebview): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message);
    this.sent.fire(message);
  }

  /** Shows another source in this panel (the one a new preview reuses). */
  private switchTo(backend: PreviewBackend, state: PreviewState): void {
    this.cancelAll();
    void this.session?.dispose();
    this.session = undefined;
    if (PreviewPanel.panels.get(this.key) === this) PreviewPanel.panels.delete(this.key);
    this.backend = backend;
    this.state = state;
    this.key = sourceKey(state.source);
    this.panel.title = state.title;
    PreviewPanel.panels.set(this.key, this);
    // Before `ready`, the webview asks for `init` itself.
    if (this.ready) this.post(this.initMessage());
  }

  private initMessage(): ToWebview {
    return {
      type: 'init',
      state: this.state,
      pageSize: this.pageSize,
      dialect: this.backend.dialect,
      description: describe(this.state.source, this.backend.dialect),
      pinned: this.pinned,
    };
  }

  private async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post(this.initMessage());
        this.busyChanged();
        return;
      case 'requestPage': {
        // A new snapshot (first load, refresh): the page first, then its count.
        if (message.recount || !this.session) this.newSession();
        const page = this.loadPage(message.requestId, message.offset, message.sort);
        if (message.recount) {
          void page.then((shown) => {
            if (shown) void this.count();
          });
        }
        await page;
        return;
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
      case 'profile':
        return this.profile(message.requestId, message.columns);
      case 'cancelProfile':
        this.profiling?.abort();
        return;
      case 'pin':
        this.pinned = message.pinned;
        if (this.pinned && PreviewPanel.reusable.get(this.slot) === this) PreviewPanel.reusable.delete(this.slot);
        if (!this.pinned) PreviewPanel.reusable.set(this.slot, this);
        return;
      case 'rendered':
        return;
    }
  }

  private newSession(): void {
    this.cancelAll();
    void this.session?.dispose();
    sessionCount += 1;
    this.session = new PreviewSession(this.state.source, this.backend, {
      id: `p${process.pid}_${sessionCount}`,
      ...(this.options.host?.cache ? { cache: this.options.host.cache } : {}),
    });
  }

  private cancelAll(): void {
    for (const controller of [this.page, this.counting, this.charting, this.profiling]) controller?.abort();
    this.retryWhenIdle = undefined;
  }

  /** Replaces a running request of the same kind: the older one is cancelled. */
  private supersede(previous: AbortController | undefined): AbortController {
    previous?.abort();
    return new AbortController();
  }

  /** Progress of a request, posted as it comes (DuckDB reports every 250 ms). */
  private progressOf(requestId: number): (progress: SessionProgress) => void {
    return (progress) => this.post({ type: 'progress', requestId, phase: progress.phase, ...(progress.percentage !== undefined ? { percentage: progress.percentage } : {}) });
  }

  /** Loads a page; resolves to whether it was shown. */
  private async loadPage(requestId: number, offset: number, sort: PreviewSort | undefined): Promise<boolean> {
    const controller = (this.page = this.supersede(this.page));
    const { signal } = controller;
    const session = this.session as PreviewSession;
    this.state = { ...this.state, offset, ...(sort ? { sort } : {}) };
    if (!sort) delete this.state.sort;
    try {
      const started = performance.now();
      const page = await session.page(offset, this.pageSize, sort, signal, this.progressOf(requestId));
      if (signal.aborted) return false;
      this.post({ type: 'page', requestId, offset, ...(sort ? { sort } : {}), columns: page.columns, rows: page.rows, elapsedMs: performance.now() - started, snapshot: page.snapshot });
      // While this page is read, index the sort for a jump deep into it (when the count is known).
      if (sort) session.prefetch(sort);
      if (session.notice) {
        this.post({ type: 'notice', message: session.notice });
        session.notice = undefined;
      }
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      if (error instanceof DataChangedError) {
        this.post({ type: 'pageStale', requestId, message: error.message });
      } else if (this.options.host?.busyReason() && !isAbortError(error)) {
        // Snowflake while dbt rebuilds the table (it may not exist for a moment): ask again when dbt is done.
        this.retryWhenIdle = () => void this.loadPage(requestId, offset, sort);
        this.busyChanged();
      } else {
        this.post({ type: 'pageError', requestId, message: errorMessage(error) });
      }
      return false;
    } finally {
      if (this.page === controller) this.page = undefined;
    }
  }

  private async count(): Promise<void> {
    const controller = (this.counting = this.supersede(this.counting));
    const { signal } = controller;
    const session = this.session as PreviewSession;
    try {
      const started = performance.now();
      const { total } = await session.count(signal);
      if (signal.aborted) return;
      this.post({ type: 'count', total, elapsedMs: performance.now() - started });
      if (this.state.sort) session.prefetch(this.state.sort);
    } catch (error) {
      if (!signal.aborted) this.post({ type: 'countError', message: errorMessage(error) });
    } finally {
      if (this.counting === controller) this.counting = undefined;
    }
  }

  private async chart(requestId: number, columnName: string): Promise<void> {
    const controller = (this.charting = this.supersede(this.charting));
    const { signal } = controller;
    this.session ??= (this.newSession(), this.session);
    const session = this.session as PreviewSession;
    try {
      const column = (await session.columns(signal)).find((candidate) => candidate.name === columnName);
      if (!column) throw new Error(`there is no column ${columnName}`);
      const started = performance.now();
      const onProgress = this.progressOf(requestId);
      const chart = await session.over(signal, (source, { scratch }) =>
        computeChart(source, column, this.backend.dialect, (sql) =>
          this.backend.run(sql, signal, { scratch, onProgress: (progress) => onProgress({ phase: `Charting ${columnName}`, ...progress }) }),
        ),
      );
      if (signal.aborted) return;
      this.post({ type: 'chart', requestId, chart, elapsedMs: performance.now() - started });
    } catch (error) {
      if (!signal.aborted) this.post({ type: 'chartError', requestId, column: columnName, message: errorMessage(error) });
    } finally {
      if (this.charting === controller) this.charting = undefined;
    }
  }

  /**
   * Profiles columns of the snapshot the grid shows, posting each profile as it is known. Never
   * of another version: a change since the snapshot is `profileStale` (the grid offers Refresh),
   * and a refresh starts a new session, whose profile is asked for again.
   */
  private async profile(requestId: number, columns: string[]): Promise<void> {
    const controller = (this.profiling = this.supersede(this.profiling));
    const { signal } = controller;
    const session = this.session;
    try {
      if (!session) throw new Error('A profile is of the data the grid shows: load a page first.');
      const started = performance.now();
      await session.profile(
        columns,
        signal,
        (profiles, snapshot) => {
          if (!signal.aborted) this.post({ type: 'profile', requestId, snapshot, profiles });
        },
        this.progressOf(requestId),
      );
      if (!signal.aborted) this.post({ type: 'profileDone', requestId, elapsedMs: performance.now() - started });
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof DataChangedError) this.post({ type: 'profileStale', requestId, message: error.message });
      else this.post({ type: 'profileError', requestId, message: errorMessage(error) });
    } finally {
      if (this.profiling === controller) this.profiling = undefined;
    }
  }

  /** Tells the webview that the data changed since its snapshot (after a dbt run, an upload, a refresh of the tree). */
  private async checkSnapshot(): Promise<void> {
    const session = this.session;
    if (!session?.current || this.disposed) return;
    if (session.current.kind === 'result' && this.options.host?.busyReason() === undefined) {
      // A Snowflake result is its own snapshot, and Snowflake has no version to compare it with.
      const at = new Date(session.current.takenAt).toLocaleTimeString('en-GB');
      this.post({ type: 'dataChanged', message: `The warehouse may have changed since this result was read (${at}). Refresh to see the current data.` });
      return;
    }
    if (await session.isStale().catch(() => false)) {
      const at = new Date(session.current.takenAt).toLocaleTimeString('en-GB');
      this.post({ type: 'dataChanged', message: `The data changed since this snapshot (${at}). Refresh to see the current data.` });
    }
  }

  private busyChanged(): void {
    const reason = this.options.host?.busyReason();
    const label = this.state.source.kind === 'table' ? sourceLabel(this.state.source) : 'The query';
    if (reason) {
      // DuckDB: queries wait for dbt to release the file. Snowflake: a failed page is asked again after.
      this.post({ type: 'waiting', message: `${reason.replace(/ is running$/, '')} is running: ${label} may be rebuilt, so the preview waits until it finishes.` });
      return;
    }
    this.post({ type: 'waiting' });
    const retry = this.retryWhenIdle;
    this.retryWhenIdle = undefined;
    retry?.();
  }

  /** Every row of the snapshot, in the current order, to a CSV file: streamed by the warehouse, with progress and cancel. */
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
    this.session ??= (this.newSession(), this.session);
    const session = this.session as PreviewSession;
    try {
      const started = performance.now();
      const rows = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Exporting ${label} to CSV`, cancellable: true },
        async (progress, token) => {
          // The export outlives the panel on purpose: the notification owns it and can cancel it.
          const controller = new AbortController();
          const cancel = token.onCancellationRequested(() => controller.abort());
          const total = session.knownTotal;
          let reported = 0;
          const onProgress = ({ percentage, rows: written }: { percentage?: number; rows?: number }): void => {
            const done = percentage ?? (written !== undefined && total ? (written / total) * 100 : undefined);
            if (done === undefined || done <= reported) return;
            progress.report({ increment: done - reported, message: `${Math.floor(done)}%${written !== undefined ? ` · ${written.toLocaleString('en-US')} rows` : ''}` });
            reported = done;
          };
          try {
            return await session.over(controller.signal, (source, { scratch }) => backend.exportCsv(exportSql(source, backend.dialect, sort), target.fsPath, controller.signal, { scratch, onProgress }));
          } finally {
            cancel.dispose();
          }
        },
      );
      this.post({ type: 'exported', file: target.fsPath, rows, elapsedMs: performance.now() - started });
      const open = await vscode.window.showInformationMessage(`Exported ${rows.toLocaleString('en-US')} rows to ${target.fsPath}.`, 'Open File');
      if (open) await vscode.commands.executeCommand('vscode.open', target);
    } catch (error) {
      const message = isAbortError(error) ? 'Export cancelled.' : `Export failed: ${errorMessage(error)}`;
      this.post({ type: 'exportFailed', message });
      if (!isAbortError(error)) void vscode.window.showErrorMessage(message);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (PreviewPanel.panels.get(this.key) === this) PreviewPanel.panels.delete(this.key);
    if (PreviewPanel.reusable.get(this.slot) === this) PreviewPanel.reusable.delete(this.slot);
    this.cancelAll();
    void this.session?.dispose();
    this.panel.dispose();
    this.sent.dispose();
    this.received.dispose();
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
    private readonly backend: () => Promise<PreviewBackend>,
    private readonly options: () => PreviewOptions = () => ({}),
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const restored = parsePreviewState(state);
    if (!restored) {
      // Nothing to show (saved by an older version, or never initialised): an empty panel helps nobody.
      panel.dispose();
      return;
    }
    let backend: PreviewBackend;
    try {
      backend = await this.backend();
    } catch (error) {
      backend = unavailableBackend(errorMessage(error));
    }
    PreviewPanel.restore(panel, this.extensionUri, backend, restored, this.options());
  }
}
