/**
 * A stand-in for the parts of the `vscode` module a webview panel uses, so that the panel classes
 * load in plain mocha (the real editor runs them in the extension-host tests): webview panels
 * that record what they are given and posted, an EventEmitter, Uri.joinPath, error messages.
 */
import Module from 'node:module';

export interface FakeUri {
  scheme: string;
  path: string;
  fsPath: string;
  toString(): string;
}

export const fakeUri = (path: string, scheme = 'file'): FakeUri => ({ scheme, path, fsPath: path, toString: () => `${scheme}://${path}` });

/** The part of vscode.EventEmitter panels use. */
export class FakeEventEmitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  readonly event = (listener: (value: T) => void) => {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
  get size(): number {
    return this.listeners.size;
  }
}

export class FakeWebviewPanel<Out = unknown> {
  title: string;
  iconPath: unknown;
  revealed = 0;
  disposed = false;
  readonly posted: Out[] = [];
  private readonly receive = new FakeEventEmitter<unknown>();
  private readonly disposeEvents = new FakeEventEmitter<void>();
  readonly webview = {
    options: {} as { enableScripts?: boolean; retainContextWhenHidden?: boolean; localResourceRoots?: FakeUri[] },
    html: '',
    cspSource: 'https://csp.example',
    asWebviewUri: (target: FakeUri) => fakeUri(`/webview${target.path}`, 'https'),
    postMessage: (message: Out) => {
      this.posted.push(message);
      return Promise.resolve(true);
    },
    onDidReceiveMessage: this.receive.event,
  };

  constructor(
    readonly viewType: string,
    title: string,
    readonly options: unknown,
  ) {
    this.title = title;
  }

  readonly onDidDispose = this.disposeEvents.event;

  reveal(): void {
    this.revealed += 1;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeEvents.fire();
  }

  /** A message from the webview. */
  send(message: unknown): void {
    this.receive.fire(message);
  }
}

/** What the fake editor was asked to show. */
export const fakeEditor = {
  panels: [] as FakeWebviewPanel[],
  errors: [] as string[],
};

export const fakeVscode = {
  EventEmitter: FakeEventEmitter,
  Uri: { joinPath: (base: FakeUri, ...parts: string[]) => fakeUri([base.path, ...parts].join('/')) },
  ViewColumn: { Active: -1, Beside: -2 },
  window: {
    createWebviewPanel: (viewType: string, title: string, _column: number, options: unknown) => {
      const panel = new FakeWebviewPanel(viewType, title, options);
      fakeEditor.panels.push(panel);
      return panel;
    },
    showErrorMessage: (message: string) => {
      fakeEditor.errors.push(message);
      return Promise.resolve(undefined);
    },
  },
};

/** Requires a module of src/ with `vscode` resolved to the stand-in above. */
export function requireWithFakeVscode<T>(load: () => T): T {
  const moduleInternals = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
  try {
    return load();
  } finally {
    moduleInternals._resolveFilename = resolve;
  }
}
