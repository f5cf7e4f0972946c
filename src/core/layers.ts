/**
 * The medallion as the tree shows it: dbt's nodes (what the project says) joined with the
 * warehouse catalog (what exists), each table put in a layer. Pure: no VS Code, no I/O.
 *
 * Layer of a table, first rule that applies (the tooltip shows which one did):
 *   1. `meta.layer` on the dbt node;
 *   2. the `medallion.layers` setting for its schema;
 *   3. dbt's kind and folder: sources are bronze, snapshots are snapshots, models under a
 *      `staging` folder (or named `stg_*`) are silver, under `marts` or `intermediate` gold;
 *   4. the schema's own name when it is a layer name (bronze, silver, gold, snapshots): the
 *      project's author put it there;
 *   5. the graph, for projects laid out otherwise (the jaffle shop: seeds as raw data, final
 *      models at the root): seeds that models read are bronze; models that exposures use or
 *      that nothing reads are gold; models that read only bronze are silver; the rest
 *      (intermediate models) gold;
 *   6. other.
 */

export const LAYERS = ['bronze', 'silver', 'gold', 'snapshots', 'other'] as const;
export type Layer = (typeof LAYERS)[number];

export const isLayer = (value: unknown): value is Layer => typeof value === 'string' && (LAYERS as readonly string[]).includes(value);

/** What the tree needs of a dbt node (a source, model, snapshot or seed). */
export interface ProjectRelation {
  uniqueId: string;
  kind: 'source' | 'model' | 'snapshot' | 'seed';
  /** dbt's name for it (model name, or `source_name.table` for sources). */
  name: string;
  database?: string | undefined;
  schema: string;
  /** The relation's name in the warehouse (alias or identifier). */
  identifier: string;
  description?: string | undefined;
  /** Folder path within the project (dbt's fqn without the project name and the node name). */
  folders: readonly string[];
  materialization?: string | undefined;
  filePath?: string | undefined;
  metaLayer?: string | undefined;
  columns?: ReadonlyArray<{ name: string; type?: string | undefined; description?: string | undefined }>;
  /** Where it sits in the graph; undefined when the manifest gave no lineage (graph rules then do not apply). */
  graph?: RelationGraph | undefined;
}

/** A relation's neighbours in dbt's graph (tests left out). */
export interface RelationGraph {
  /** Unique ids of the sources, seeds, models and snapshots it reads. */
  parents: readonly string[];
  /** Models and snapshots that read it. */
  readers: number;
  /** Exposures that use it. */
  exposures: number;
}

/** One column of the warehouse catalog. */
export interface CatalogColumn {
  schema: string;
  table: string;
  tableType: 'table' | 'view';
  column: string;
  type: string;
  position: number;
  /** Rows of the table, undefined for views. */
  rows?: number | undefined;
  /** True when `rows` is the warehouse's estimate, not a count. */
  rowsEstimated?: boolean | undefined;
}

/** Last dbt result of a node. */
export interface NodeStatus {
  status: string;
  /** When the run that produced it ended (ISO). */
  at: string;
  message?: string | undefined;
  /** Status of the node's tests: worst of them. */
  tests?: string | undefined;
}

export interface TableInfo {
  /** Stable id: `schema.name` in lower case. */
  id: string;
  layer: Layer;
  /** Why it is in its layer (the rule that placed it), for the tooltip. */
  layerReason: string;
  schema: string;
  name: string;
  database?: string | undefined;
  tableType?: 'table' | 'view' | undefined;
  existsInWarehouse: boolean;
  rows?: number | undefined;
  rowsEstimated?: boolean | undefined;
  columns: Array<{ name: string; type: string; description?: string | undefined }>;
  relation?: ProjectRelation | undefined;
  /** Latest `_fivetran_synced` (bronze) or last dbt build (models), ISO. */
  freshAt?: string | undefined;
  status?: NodeStatus | undefined;
}

export interface LayerInfo {
  layer: Layer;
  tables: TableInfo[];
  /** Rows of its tables (views hold none of their own): never a sum that silently mixes in estimates. */
  rows: number;
  /** True when any table's rows are an estimate (the total is then one too). */
  rowsEstimated: boolean;
  /** Tables (not views) in the warehouse, and views. */
  tableCount: number;
  viewCount: number;
}

export interface LayerInputs {
  relations: readonly ProjectRelation[];
  catalog: readonly CatalogColumn[];
  /** Schema -> layer, from the setting. */
  mapping?: Readonly<Record<string, string>>;
  statuses?: ReadonlyMap<string, NodeStatus>;
  /** Table id -> latest sync time, for bronze tables. */
  syncedAt?: ReadonlyMap<string, string>;
  /** Schemas never shown (the extension's own ledger lives in bronze as a table, hidden by name). */
  hiddenTables?: ReadonlySet<string>;
}

const tableId = (schema: string, name: string): string => `${schema}.${name}`.toLowerCase();

export interface LayerDecision {
  layer: Layer;
  reason: string;
}

const STAGING_NAME = /^stg_/i;

/**
 * The layer of a dbt node or a warehouse-only table, and why. `parentLayer` resolves a parent's
 * layer for the "reads only bronze" rule (without it, only sources and seeds count as bronze).
 */
export function decideLayer(
  schema: string,
  relation: ProjectRelation | undefined,
  mapping: Readonly<Record<string, string>> = {},
  parentLayer: (uniqueId: string) => Layer | undefined = (id) => (id.startsWith('source.') || id.startsWith('seed.') ? 'bronze' : undefined),
): LayerDecision {
  if (relation && isLayer(relation.metaLayer)) return { layer: relation.metaLayer, reason: `meta.layer is ${relation.metaLayer}` };
  const mapped = mapping[schema] ?? mapping[schema.toLowerCase()];
  if (isLayer(mapped)) return { layer: mapped, reason: `the medallion.layers setting maps schema ${schema} to ${mapped}` };
  if (relation) {
    if (relation.kind === 'source') return { layer: 'bronze', reason: 'a dbt source: raw data' };
    if (relation.kind === 'snapshot') return { layer: 'snapshots', reason: 'a dbt snapshot' };
    const folders = relation.folders.map((folder) => folder.toLowerCase());
    if (relation.kind === 'model') {
      if (folders.includes('staging')) return { layer: 'silver', reason: 'a model in a staging folder' };
      if (folders.includes('marts')) return { layer: 'gold', reason: 'a model in a marts folder' };
      if (folders.includes('intermediate')) return { layer: 'gold', reason: 'a model in an intermediate folder' };
      if (STAGING_NAME.test(relation.name)) return { layer: 'silver', reason: 'a staging model (named stg_)' };
    }
  }
  const bySchema = schema.toLowerCase();
  if (isLayer(bySchema)) return { layer: bySchema, reason: `in schema ${schema}` };
  if (relation) {
    const graph = relation.graph;
    if (graph) {
      if (relation.kind === 'seed') {
        if (graph.readers > 0) return { layer: 'bronze', reason: `a seed read by ${plural(graph.readers, 'model')}: raw data` };
      } else {
        if (graph.exposures > 0) return { layer: 'gold', reason: `a model used by ${plural(graph.exposures, 'exposure')}` };
        if (graph.readers === 0) return { layer: 'gold', reason: 'a final model: no model reads it' };
        if (graph.parents.length > 0 && graph.parents.every((parent) => parentLayer(parent) === 'bronze')) return { layer: 'silver', reason: 'a model that reads only bronze' };
        return { layer: 'gold', reason: 'an intermediate model: it reads models and models read it' };
      }
    }
  }
  return { layer: 'other', reason: relation ? `no rule places this ${relation.kind}; set meta.layer or medallion.layers` : `only in the warehouse; medallion.layers can place schema ${schema}` };
}

/** The layer of a dbt node or a warehouse-only table. */
export function layerOf(schema: string, relation: ProjectRelation | undefined, mapping: Readonly<Record<string, string>> = {}): Layer {
  return decideLayer(schema, relation, mapping).layer;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Joins the project's relations with the catalog and groups the tables by layer, in medallion order. */
export function buildLayers(inputs: LayerInputs): LayerInfo[] {
  const tables = new Map<string, TableInfo>();
  const positioned = new Map<string, Array<{ position: number; name: string; type: string }>>();
  for (const column of inputs.catalog) {
    const id = tableId(column.schema, column.table);
    if (inputs.hiddenTables?.has(id)) continue;
    if (!tables.has(id)) {
      tables.set(id, {
        id,
        layer: 'other',
        layerReason: '',
        schema: column.schema,
        name: column.table,
        tableType: column.tableType,
        existsInWarehouse: true,
        rows: column.rows,
        rowsEstimated: column.rows !== undefined && column.rowsEstimated === true ? true : undefined,
        columns: [],
      });
      positioned.set(id, []);
    }
    positioned.get(id)?.push({ position: column.position, name: column.column, type: column.type });
  }
  for (const [id, columns] of positioned) {
    (tables.get(id) as TableInfo).columns = columns.sort((a, b) => a.position - b.position).map(({ name, type }) => ({ name, type }));
  }
  for (const relation of inputs.relations) {
    const id = tableId(relation.schema, relation.identifier);
    const existing = tables.get(id);
    const documented = new Map((relation.columns ?? []).map((column) => [column.name.toLowerCase(), column]));
    if (existing) {
      existing.relation = relation;
      existing.database = relation.database;
      for (const column of existing.columns) column.description = documented.get(column.name.toLowerCase())?.description;
    } else {
      tables.set(id, {
        id,
        layer: 'other',
        layerReason: '',
        schema: relation.schema,
        name: relation.identifier,
        database: relation.database,
        existsInWarehouse: false,
        relation,
        columns: (relation.columns ?? []).map((column) => ({ name: column.name, type: column.type ?? '', description: column.description })),
      });
    }
  }
  // Parents' layers, resolved once each (a cycle, which dbt forbids, reads as not bronze).
  const byUniqueId = new Map<string, ProjectRelation>(inputs.relations.map((relation) => [relation.uniqueId, relation]));
  const resolved = new Map<string, Layer | undefined>();
  const parentLayer = (uniqueId: string): Layer | undefined => {
    if (resolved.has(uniqueId)) return resolved.get(uniqueId);
    resolved.set(uniqueId, undefined);
    const relation = byUniqueId.get(uniqueId);
    const layer = relation ? decideLayer(relation.schema, relation, inputs.mapping, parentLayer).layer : uniqueId.startsWith('source.') ? 'bronze' : undefined;
    resolved.set(uniqueId, layer);
    return layer;
  };
  const byLayer = new Map<Layer, TableInfo[]>(LAYERS.map((layer) => [layer, []]));
  for (const table of tables.values()) {
    const decision = decideLayer(table.schema, table.relation, inputs.mapping, parentLayer);
    table.layer = decision.layer;
    table.layerReason = decision.reason;
    if (table.relation) table.status = inputs.statuses?.get(table.relation.uniqueId);
    table.freshAt = inputs.syncedAt?.get(table.id) ?? table.status?.at;
    byLayer.get(table.layer)?.push(table);
  }
  return LAYERS.map((layer) => {
    const list = (byLayer.get(layer) ?? []).sort((a, b) => a.name.localeCompare(b.name) || a.schema.localeCompare(b.schema));
    const stored = list.filter((table) => table.existsInWarehouse && table.tableType !== 'view');
    return {
      layer,
      tables: list,
      rows: stored.reduce((sum, table) => sum + (table.rows ?? 0), 0),
      rowsEstimated: stored.some((table) => table.rowsEstimated === true),
      tableCount: stored.length,
      viewCount: list.filter((table) => table.existsInWarehouse && table.tableType === 'view').length,
    };
  }).filter((info) => info.tables.length > 0 || info.layer === 'bronze' || info.layer === 'silver' || info.layer === 'gold');
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * "3 tables · 1,234 rows · 2 views": rows are those of the tables (a view holds none of its own),
 * marked `≈` when any of them is an estimate; a layer of views only says so instead of "0 rows".
 */
export function layerDescription(info: LayerInfo): string {
  if (info.tables.length === 0) return 'empty';
  const parts: string[] = [];
  if (info.tableCount > 0) parts.push(`${info.tableCount} ${info.tableCount === 1 ? 'table' : 'tables'}`, `${info.rowsEstimated ? '≈' : ''}${count(info.rows)} rows`);
  if (info.viewCount > 0) parts.push(`${info.viewCount} ${info.viewCount === 1 ? 'view' : 'views'}`);
  const unbuilt = info.tables.length - info.tableCount - info.viewCount;
  if (unbuilt > 0) parts.push(`${unbuilt} not built`);
  return parts.join(' · ');
}
