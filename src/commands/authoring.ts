/**
 * Commands of the authoring features: the lineage panel, a model's compiled SQL, and the preview
 * of one CTE of a model (in the query preview grid, with paging). Their work is in the authoring
 * bundle, loaded on first use; the preview grid stays the extension's own.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { LazyAuthoring } from '../language/register';
import type { LineagePanel } from '../views/lineagePanel';
import type { PreviewPanel } from '../views/previewPanel';
import { showQuery } from './preview';
import { errorLine } from '../core/errors';

/** What the authoring commands need besides the context. */
interface AuthoringServices {
  authoring: LazyAuthoring;
}

/** `Medallion: Show lineage`: focused on the given node (tree item, CodeLens) or the active editor's model. */
export const showLineage =
  (_ctx: Ctx, { authoring }: AuthoringServices) =>
  (target?: unknown): Promise<LineagePanel | undefined> =>
    authoring.get().lineage.show(target);

/** `Medallion: Show compiled SQL`: the model's compiled SQL beside it, refreshed on save. */
export const showCompiledSql =
  (_ctx: Ctx, { authoring }: AuthoringServices) =>
  (uri?: vscode.Uri): Promise<vscode.TextEditor | undefined> =>
    authoring.get().compiled.show(uri instanceof vscode.Uri ? uri : undefined);

/** `Medallion: Preview CTE`: a CTE of the model (CodeLens, or the one under the cursor) in the preview grid. */
export const previewCte =
  (ctx: Ctx, { authoring }: AuthoringServices) =>
  async (uri?: vscode.Uri, name?: string): Promise<PreviewPanel | undefined> => {
    if (!ctx.requireTrust()) return undefined;
    const compiled = authoring.get().compiled;
    const editor = vscode.window.activeTextEditor;
    const document = uri instanceof vscode.Uri ? uri : editor?.document.uri;
    const cte = typeof name === 'string' ? name : editor && (await compiled.chooseCte(editor));
    if (!document || !cte) return undefined;
    try {
      const query = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Compiling for the CTE ${cte}` }, () => compiled.cteQuery(document, cte));
      return query && showQuery(ctx, query.project, query.sql, query.title);
    } catch (error) {
      void vscode.window.showErrorMessage(`Medallion: cannot preview the CTE ${cte}: ${errorLine(error)}`);
      return undefined;
    }
  };
