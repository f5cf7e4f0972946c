/**
 * The medallion as the tree shows it: dbt's nodes (what the project says) joined with the
 * warehouse catalog (what exists), each table put in a layer. Pure: no VS Code, no I/O.
 *
 * Layer of a table, first rule that applies:
 *   1. `meta.layer` on the dbt node;
 *   2. the `medallion.layers` setting for its schema;
 *   3. dbt's kind and folder: sources are bronze, snapshots are snapshots, models under a
 *      `staging` folder are silver, under `marts` or `intermediate` gold;
 *   4. the schema's own name when it is a layer name (bronze, silver, gold, snapshots);
 *   5. other.
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
}

/** One column of the warehouse catalog. */
export interface CatalogColumn {
  schema: string;
  table: string;
  tableType: 'table' | 'view';
  column: string;
  type: string;
  position: number;
  /** Approximate rows of the table (metadata), undefined for views. */
  rows?: number | undefined;
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
  schema: string;
  name: string;
  database?: string | undefined;
  tableType?: 'table' | 'view' | undefined;
  existsInWarehouse: boolean;
  rows?: number | undefined;
  columns: Array<{ name: string; type: string; description?: string | undefined }>;
  relation?: ProjectRelation | undefined;
  /** Latest `_fivetran_synced` (bronze) or last dbt build (models), ISO. */
  freshAt?: string | undefined;
  status?: NodeStatus | undefined;
}

export interface LayerInfo {
  layer: Layer;
  tables: TableInfo[];
  rows: number;
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

/** The layer of a dbt node or a warehouse-only table. */
export function layerOf(schema: string, relation: ProjectRelation | undefined, mapping: Readonly<Record<string, string>> = {}): Layer {
  if (relation && isLayer(relation.metaLayer)) return relation.metaLayer;
  const mapped = mapping[schema] ?? mapping[schema.toLowerCase()];
  if (isLayer(mapped)) return mapped;
  if (relation) {
    if (relation.kind === 'source') return 'bronze';
    if (relation.kind === 'snapshot') return 'snapshots';
    const folders = relation.folders.map((folder) => folder.toLowerCase());
    if (folders.includes('staging')) return 'silver';
    if (folders.includes('marts') || folders.includes('intermediate')) return 'gold';
  }
  const bySchema = schema.toLowerCase();
  return isLayer(bySchema) ? bySchema : 'other';
}

/** Joins the project's relations with the catalog and groups the tables by layer, in medallion order. */
export function buildLayers(inputs: LayerInputs): LayerInfo[] {
  const tables = new Map<string, TableInfo>();
  const positioned = new Map<string, Array<{ position: number; name: string; type: string }>>();
  for (const column of inputs.catalog) {
    const id = tableId(column.schema, column.table);
    if (inputs.hiddenTables?.has(id)) continue;
    if (!tables.has(id)) {
      tables.set(id, { id, layer: 'other', schema: column.schema, name: column.table, tableType: column.tableType, existsInWarehouse: true, rows: column.rows, columns: [] });
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
        schema: relation.schema,
        name: relation.identifier,
        database: relation.database,
        existsInWarehouse: false,
        relation,
        columns: (relation.columns ?? []).map((column) => ({ name: column.name, type: column.type ?? '', description: column.description })),
      });
    }
  }
  const byLayer = new Map<Layer, TableInfo[]>(LAYERS.map((layer) => [layer, []]));
  for (const table of tables.values()) {
    table.layer = layerOf(table.schema, table.relation, inputs.mapping);
    if (table.relation) table.status = inputs.statuses?.get(table.relation.uniqueId);
    table.freshAt = inputs.syncedAt?.get(table.id) ?? table.status?.at;
    byLayer.get(table.layer)?.push(table);
  }
  return LAYERS.map((layer) => {
    const list = (byLayer.get(layer) ?? []).sort((a, b) => a.name.localeCompare(b.name) || a.schema.localeCompare(b.schema));
    return { layer, tables: list, rows: list.reduce((sum, table) => sum + (table.rows ?? 0), 0) };
  }).filter((info) => info.tables.length > 0 || info.layer === 'bronze' || info.layer === 'silver' || info.layer === 'gold');
}
