/**
 * A model renamed (by Rename Symbol or in the explorer) leaves target/manifest.json naming the old
 * model until dbt reads the project again: navigation, completion, the tree and lineage would keep
 * the old name. Once the rename's edits are saved, `dbt parse` runs in the background (after any
 * compile, one at a time) and everything that reads the manifest is told.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { errorMessage } from '../core/errors';
import type { CompiledSql } from './compiled';
import type { AuthoringService } from './service';

/** Renames in a burst (a rename moves several files, the user saves them) are parsed once. */
const SETTLE_MS = 750;
/** How long edits may stay unsaved before dbt reads what is on disk anyway. */
const SAVE_WAIT_MS = 60_000;

export class ParseAfterRename implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private waitingSince = 0;
  private readonly saves: vscode.Disposable;

  constructor(
    private readonly ctx: Ctx,
    private readonly service: AuthoringService,
    private readonly compiled: CompiledSql,
  ) {
    // A save while a parse is waiting for unsaved edits: look again.
    this.saves = vscode.workspace.onDidSaveTextDocument(() => {
      if (this.waitingSince) this.schedule();
    });
  }

  /** Node files (NODE_FILE) were renamed: parse when one of them is in the project. */
  async renamed(uris: readonly vscode.Uri[]): Promise<void> {
    for (const uri of uris) {
      if (await this.service.documentOf(uri)) {
        this.waitingSince ||= Date.now();
        this.schedule();
        return;
      }
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), SETTLE_MS);
  }

  private async run(): Promise<void> {
    const project = await this.ctx.project();
    if (!project) return;
    const unsaved = vscode.workspace.textDocuments.some((document) => document.isDirty && this.service.projectPathOf(document.uri) !== undefined);
    // The rename's edits are in documents until saved (refactoring auto-save usually saves them at once).
    if (unsaved && Date.now() - this.waitingSince < SAVE_WAIT_MS) {
      this.timer = setTimeout(() => void this.run(), SAVE_WAIT_MS - (Date.now() - this.waitingSince));
      return;
    }
    this.waitingSince = 0;
    try {
      await this.compiled.parse();
    } catch (error) {
      this.ctx.output.warn(`after a rename: ${errorMessage(error)}`);
    } finally {
      this.ctx.tree.refresh();
      this.service.indexMayHaveChanged();
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.saves.dispose();
  }
}
