/**
 * The lineage panel wired into the editor: its data source over the project index (graph, status
 * badges from the tree's last snapshot, column lineage by DuckDB's parser), its actions running
 * the extension's own commands (Open the file, Preview, Build), following the active editor, and
 * reloading when dbt ends or the tree reloads.
 */
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { Ctx } from '../ctx';
import type { LineageDataSource } from '../views/lineageController';
import { LineagePanel, LineageSerializer } from '../views/lineagePanel';
import { projectLineageSource } from '../views/lineageSource';
import type { AuthoringService } from './service';

/** The node a command was invoked on: `{ uniqueId }` (CodeLens, the panel) or a tree item (its table's relation). */
function nodeIdOf(target: unknown): string | undefined {
  if (typeof target !== 'object' || target === null) return undefined;
  const direct = (target as { uniqueId?: unknown }).uniqueId;
  if (typeof direct === 'string') return direct;
  // Tree items come from the extension's own bundle: read them by shape, not by class.
  const fromTree = (target as { table?: { relation?: { uniqueId?: unknown } } }).table?.relation?.uniqueId;
  return typeof fromTree === 'string' ? fromTree : undefined;
}

export class LineageFeature {
  private readonly dataSource: LineageDataSource;

  constructor(
    private readonly ctx: Ctx,
    private readonly service: AuthoringService,
  ) {
    this.dataSource = {
      ...projectLineageSource({ index: () => service.index(), parser: () => service.parser(), stats: (id) => service.stats(id) }),
      open: async (nodeId) => {
        const project = await ctx.project();
        const index = await service.index();
        const node = index.nodes.get(nodeId);
        if (!project || !node?.file) throw new Error(`${node?.label ?? nodeId} has no file in the project`);
        await vscode.window.showTextDocument(vscode.Uri.file(service.absolutePath(project, node.file, node.packageName, index)), { viewColumn: vscode.ViewColumn.One });
      },
      preview: async (nodeId) => {
        await vscode.commands.executeCommand(Commands.previewTable, { uniqueId: nodeId });
      },
      build: async (nodeId, downstream) => {
        await vscode.commands.executeCommand(downstream ? Commands.buildModelDownstream : Commands.buildModel, { uniqueId: nodeId });
      },
      onDidChange: service.onDidChange,
      activeNode: () => this.activeNode(vscode.window.activeTextEditor),
      onDidChangeActiveNode: (listener) =>
        vscode.window.onDidChangeActiveTextEditor((editor) => {
          // Other editors (output, a compiled document) leave the focus where it is.
          const nodeId = this.activeNode(editor);
          if (nodeId) listener(nodeId);
        }),
    };
  }

  /** The model of an editor's file, by the last index (synchronous: the panel asks as editors change). */
  private activeNode(editor: vscode.TextEditor | undefined): string | undefined {
    const index = this.service.lastIndex;
    const path = editor && this.service.projectPathOf(editor.document.uri);
    return index && path !== undefined ? this.service.nodeOfFile(index, path)?.uniqueId : undefined;
  }

  /** Opens (or reveals) the panel, focused on the target node or the active editor's model. */
  async show(target?: unknown): Promise<LineagePanel | undefined> {
    let nodeId = nodeIdOf(target);
    if (!nodeId) {
      // Builds the index first, so the active editor's model is known.
      await this.service.index().catch(() => undefined);
      nodeId = this.activeNode(vscode.window.activeTextEditor);
    }
    return LineagePanel.show(this.ctx.extension.extensionUri, this.dataSource, nodeId ? { focus: { nodeId } } : {});
  }

  /** Restores the panel after a reload. */
  serializer(): LineageSerializer {
    return new LineageSerializer(this.ctx.extension.extensionUri, () => this.dataSource);
  }
}
