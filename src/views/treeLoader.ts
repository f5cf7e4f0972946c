/**
 * What the tree shows, loaded: the project's dbt nodes (manifest and latest run results) joined
 * with the warehouse catalog, each table in its layer; the welcome view's context keys on the way.
 * The catalog of a warehouse paused for dbt is shown from before, and DuckDB's estimated row
 * counts are replaced by exact ones counted in the background.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { ContextKeys } from '../constants';
import { BRONZE_SCHEMA, LEDGER_TABLE } from '../core/bronze';
import { errorMessage } from '../core/errors';
import { buildLayers, type CatalogColumn } from '../core/layers';
import { readProjectManifest, readProjectStatuses } from '../dbt/artifacts';
import { projectRelations } from '../dbt/nodes';
import { projectVar } from '../dbt/profile';
import type { ResolvedProject } from '../project';
import type { WarehouseAccess } from '../warehouse/access';
import { catalogTables, withCounts } from '../warehouse/catalog';
import { duckdbDataVersion } from '../warehouse/preview';
import type { ExtensionWarehouse } from '../warehouse/sessions';
import type { TreeSnapshot } from './tree';

/** Tables counted per statement in the background (about 50 ms each on a shared two-core machine). */
const COUNT_SLICE = 100;

/** What loading the tree needs from the extension. */
export interface TreeLoaderHost {
  isTrusted(): boolean;
  project(): Promise<ResolvedProject | undefined>;
  /** Starts resolving dbt (the welcome view says whether it is there); not awaited. */
  lookForDbt(): void;
  access(key: string): WarehouseAccess<ExtensionWarehouse>;
  /** `medallion.layers`: schema-to-layer overrides. */
  layerMapping(): Record<string, string>;
  /** The exact counts are in: load the tree again. */
  refresh(): void;
  warn(message: string): void;
}

export class TreeLoader {
  private lastCatalog: { file: string; catalog: CatalogColumn[]; fresh: Map<string, string> } | undefined;
  /** Exact rows of the DuckDB tables, for one data version of the file; counting them runs after the tree shows estimates. */
  private counted: { file: string; version: string; counts?: Map<string, number> | undefined } | undefined;

  constructor(private readonly host: TreeLoaderHost) {}

  /** The tree of the workspace's project, or the message or welcome view that stands in for it. */
  async load(): Promise<TreeSnapshot> {
    if (!this.host.isTrusted()) return { kind: 'empty' };
    const project = await this.host.project();
    if (!project) return { kind: 'message', message: 'No dbt project in this workspace', detail: 'Open a folder with a dbt_project.yml, or set medallion.projectDir.' };
    this.host.lookForDbt();
    const file = project.warehouseKey;
    if (!file) return { kind: 'message', message: project.targetProblem ?? 'No warehouse configured' };
    const exists = project.snowflake !== undefined || existsSync(file);
    // Before the first build the welcome view offers what the project needs: the shop's bootstrap, or dbt.
    await vscode.commands.executeCommand('setContext', ContextKeys.projectKind, projectVar(project.projectDir, 'bronze_schema') !== undefined ? 'shop' : 'other');
    await vscode.commands.executeCommand('setContext', ContextKeys.warehouseState, exists ? 'ready' : 'missing');
    if (!exists) return { kind: 'empty' };
    const manifest = await readProjectManifest(project.projectDir);
    const statuses = await readProjectStatuses(project.projectDir, manifest);
    const relations = manifest ? projectRelations(manifest) : undefined;
    const access = this.host.access(file);
    let note: string | undefined;
    let catalog = this.lastCatalog?.file === file ? this.lastCatalog : undefined;
    if (access.pausedReason && catalog) {
      note = `Showing the catalog from before: ${access.pausedReason}`;
    } else {
      const loaded = await access.use(async (warehouse) => ({ catalog: await warehouse.catalog(), fresh: await warehouse.bronzeFreshness() }));
      catalog = { file, ...loaded };
      this.lastCatalog = catalog;
    }
    if (project.snowflake) {
      // A Snowflake database without bronze yet: offer the bootstrap, as for a missing DuckDB file.
      const bronze = project.snowflake.schemas.bronze;
      const hasBronze = catalog.catalog.some((column) => column.schema === bronze);
      await vscode.commands.executeCommand('setContext', ContextKeys.warehouseState, hasBronze ? 'ready' : 'missing');
      if (!hasBronze) return { kind: 'empty' };
    }
    if (!relations) note ??= 'dbt models appear after a dbt parse or build';
    const layers = buildLayers({
      relations: relations ?? [],
      catalog: project.snowflake ? catalog.catalog : await this.withExactCounts(file, catalog.catalog),
      mapping: this.host.layerMapping(),
      statuses,
      syncedAt: catalog.fresh,
      hiddenTables: new Set([`${BRONZE_SCHEMA}.${LEDGER_TABLE}`.toLowerCase()]),
    });
    return { kind: 'layers', layers, note };
  }

  /**
   * The catalog with exact rows when they were counted for the file's current data version;
   * otherwise as estimated (marked `≈`), counting them in the background and refreshing the tree
   * once they are in: counting a thousand tables costs a few hundred milliseconds, which the
   * first look at a layer does not wait for, and no later look pays while the data stays the same.
   */
  private async withExactCounts(file: string, catalog: CatalogColumn[]): Promise<CatalogColumn[]> {
    const version = await duckdbDataVersion(file);
    const known = this.counted?.file === file && this.counted.version === version ? this.counted : undefined;
    if (known?.counts) return withCounts(catalog, known.counts);
    if (!known) {
      const entry: NonNullable<TreeLoader['counted']> = { file, version };
      this.counted = entry;
      const tables = catalogTables(catalog);
      const access = this.host.access(file);
      // In slices: a page or a tree load asked for meanwhile waits for one slice, not for every count.
      const countAll = async (): Promise<Map<string, number> | undefined> => {
        const counts = new Map<string, number>();
        for (let start = 0; start < tables.length; start += COUNT_SLICE) {
          if (this.counted !== entry) return undefined;
          const slice = await access.use(async (warehouse) => warehouse.countRows?.(tables.slice(start, start + COUNT_SLICE)));
          if (!slice) return undefined;
          for (const [id, rows] of slice) counts.set(id, rows);
        }
        return counts;
      };
      void countAll()
        .then(async (counts) => {
          if (this.counted !== entry || !counts) return;
          entry.counts = counts;
          // Data that changed meanwhile is counted on the next refresh (it has a new version): no loop here.
          if ((await duckdbDataVersion(file)) === version) this.host.refresh();
        })
        .catch((error: unknown) => this.host.warn(`counting rows: ${errorMessage(error)}`));
    }
    return catalog;
  }
}
