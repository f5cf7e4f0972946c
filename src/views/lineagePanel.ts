/**
 * The lineage DAG in a webview panel: the VS Code shell around `LineageController`. One panel at a
 * time (showing lineage again reveals it and moves its focus); it owns its disposables, loads only
 * the bundled script and stylesheet (`localResourceRoots`: media/ and dist/webview/), and restores
 * itself after a reload from the state its webview saves (`LineageSerializer`). What it shows and
 * does comes from the injected `LineageDataSource`.
 */
import * as vscode from 'vscode';
import { WebviewTypes } from '../constants';
import { createNonce, webviewHtml } from '../webview/html';
import { parseLineageState, type Depth, type FromLineage, type LineageFocus, type ToLineage } from '../webview/lineageProtocol';
import { DEFAULT_DEPTH, LineageController, type LineageDataSource } from './lineageController';
import { errorMessage } from '../core/errors';


export interface LineagePanelOptions {
  /** Focus on this node (the model of the active editor), n hops up and down. */
  focus?: { nodeId: string; up?: Depth | undefined; down?: Depth | undefined } | undefined;
  /** Where a new panel opens; beside the editor by default. */
  viewColumn?: vscode.ViewColumn | undefined;
}

const TITLE = 'Lineage';

/** Only the bundled script and the stylesheet may load; nothing else of the extension or the disk. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    // Switching tabs keeps the drawing, the view and the selection (a new webview costs the workbench about a second).
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

export class LineagePanel implements vscode.Disposable {
  private static instance: LineagePanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly controller: LineageController;
  private readonly sent = new vscode.EventEmitter<ToLineage>();
  /** Every message sent to the webview (for the extension's own tests and diagnostics). */
  readonly onDidSend = this.sent.event;
  private readonly received = new vscode.EventEmitter<FromLineage>();
  /** Every valid message from the webview (`rendered` times the drawing of a graph). */
  readonly onDidReceive = this.received.event;
  private disposed = false;

  /** The open panel, if any. */
  static get current(): LineagePanel | undefined {
    return LineagePanel.instance;
  }

  /** Reveals the panel (focused on `options.focus` when given), or opens it. */
  static show(extensionUri: vscode.Uri, source: LineageDataSource, options: LineagePanelOptions = {}): LineagePanel {
    const focus = options.focus;
    const existing = LineagePanel.instance;
    if (existing) {
      existing.panel.reveal(undefined, false);
      if (focus) void existing.focus(focus.nodeId, focus.up, focus.down);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(WebviewTypes.lineage, TITLE, options.viewColumn ?? vscode.ViewColumn.Beside, webviewOptions(extensionUri));
    // A new panel follows the editor (its toolbar turns that off).
    const state = { follow: true, ...(focus ? { focus: { nodeId: focus.nodeId, up: focus.up ?? DEFAULT_DEPTH, down: focus.down ?? DEFAULT_DEPTH } } : {}) };
    return new LineagePanel(panel, extensionUri, source, state);
  }

  /** Takes over a panel VS Code restored after a reload (see `LineageSerializer`). */
  static restore(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, source: LineageDataSource, state: { focus?: LineageFocus | undefined; follow?: boolean | undefined }): LineagePanel {
    LineagePanel.instance?.dispose();
    return new LineagePanel(panel, extensionUri, source, state);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    source: LineageDataSource,
    state: { focus?: LineageFocus | undefined; follow?: boolean | undefined },
  ) {
    const webview = panel.webview;
    webview.options = webviewOptions(extensionUri);
    panel.title = TITLE;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'medallion.svg');
    this.controller = new LineageController(source, (message) => this.post(message), state, (message) => void vscode.window.showErrorMessage(message));
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'lineage.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'lineage.css')).toString(),
      title: TITLE,
    });
    this.disposables.push(
      this.controller,
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((message: unknown) => {
        this.controller
          .receive(message)
          .then((parsed) => parsed && this.received.fire(parsed))
          .catch((error: unknown) => void vscode.window.showErrorMessage(`Lineage: ${errorMessage(error)}`));
      }),
    );
    LineagePanel.instance = this;
  }

  /** Focuses the graph on a node, n hops up and down (the current depths when not given). */
  focus(nodeId: string, up?: Depth, down?: Depth): Promise<void> {
    return this.controller.focus(nodeId, up, down);
  }

  /** Loads the graph again (new badges, or a new graph when the project changed). */
  refresh(): Promise<void> {
    return this.controller.reload();
  }

  private post(message: ToLineage): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message);
    this.sent.fire(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (LineagePanel.instance === this) LineagePanel.instance = undefined;
    this.panel.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.sent.dispose();
    this.received.dispose();
  }
}

/**
 * Restores the lineage panel after VS Code reloads, with the focus its webview saved. Register it
 * for `WebviewTypes.lineage` during activation (see src/language/register.ts).
 */
export class LineageSerializer implements vscode.WebviewPanelSerializer<unknown> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly source: () => LineageDataSource | Promise<LineageDataSource>,
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const restored = parseLineageState(state);
    LineagePanel.restore(panel, this.extensionUri, await this.source(), { focus: restored?.focus, follow: restored?.follow });
  }
}
