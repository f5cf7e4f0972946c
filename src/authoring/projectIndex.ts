/**
 * The project as the authoring features look it up: every model, seed, snapshot and source with
 * its file, YAML, layer, columns (types from the catalog, descriptions from YAML), parents and
 * children; macros and docs blocks; lookups by name, by file and by warehouse relation. Built from
 * dbt's parsed manifest (src/dbt/manifest.ts) plus the parts of manifest.json that parser leaves
 * out (macros, docs, SQL), in one pass; `ProjectIndexCache` rebuilds it only when the manifest changes.
 */
import { parseManifest, type ManifestColumn, type ManifestRelation, type ManifestSource, type ParsedManifest } from '../dbt/manifest';
import { projectRelations } from '../dbt/nodes';
import { layerOf, type CatalogColumn, type Layer, type ProjectRelation } from '../core/layers';
import { errorLine } from '../core/errors';

export type IndexedKind = 'model' | 'seed' | 'snapshot' | 'source';

export interface IndexedColumn {
  name: string;
  /** Warehouse type (catalog), else the `data_type` documented in YAML. */
  type?: string | undefined;
  description?: string | undefined;
  /** catalog: the warehouse has it; yaml: only documented; both. */
  origin: 'catalog' | 'yaml' | 'both';
}

export interface IndexedNode {
  uniqueId: string;
  kind: IndexedKind;
  /** Model, seed or snapshot name; a source's table name. */
  name: string;
  /** A source's source name. */
  sourceName?: string | undefined;
  /** `stg_orders`, or `sql_server_dbo.orders` for a source table. */
  label: string;
  packageName?: string | undefined;
  /** The file that defines it, relative to its package's root (the project's own: to the project). */
  file?: string | undefined;
  /** The YAML that documents it. */
  patchPath?: string | undefined;
  description?: string | undefined;
  materialization?: string | undefined;
  layer: Layer;
  database?: string | undefined;
  schema: string;
  /** The relation's name in the warehouse. */
  identifier: string;
  version?: string | undefined;
  columns: readonly IndexedColumn[];
  /** Where `columns` come from: the warehouse's catalog, YAML only, or nowhere. */
  columnsFrom: 'catalog' | 'yaml' | 'none';
  parents: readonly string[];
  children: readonly string[];
  tests: readonly string[];
  rawCode?: string | undefined;
  compiledCode?: string | undefined;
  /** target/compiled/... path dbt wrote the compiled SQL to. */
  compiledPath?: string | undefined;
  loadedAtField?: string | undefined;
  freshness?: ManifestSource['freshness'];
  /** Row count from catalog.json stats, when dbt's adapter reports it. */
  catalogRows?: number | undefined;
}

export interface MacroArgument {
  name: string;
  type?: string | undefined;
  description?: string | undefined;
}

export interface IndexedMacro {
  uniqueId: string;
  name: string;
  packageName: string;
  /** Relative to its package's root. */
  file?: string | undefined;
  description?: string | undefined;
  arguments: readonly MacroArgument[];
  /** The `{% macro %}` block as dbt read it (to find its line in the file). */
  macroSql?: string | undefined;
}

export interface IndexedDoc {
  uniqueId: string;
  name: string;
  packageName: string;
  file?: string | undefined;
  contents: string;
}

export interface IndexInputs {
  /** manifest.json: its text, its parsed JSON, or both (parse once, share it). */
  manifest: unknown;
  /** Reuse an already parsed manifest of the same JSON (the tree parses it too). */
  parsed?: ParsedManifest | undefined;
  /** catalog.json from `dbt docs generate`: its text or parsed JSON. */
  catalog?: unknown;
  /** Columns of the warehouse's own catalog query (the tree's), matched by schema and table. */
  warehouseColumns?: readonly CatalogColumn[] | undefined;
  /** Schema -> layer (the `medallion.layers` setting). */
  layerMapping?: Readonly<Record<string, string>> | undefined;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const NONE: readonly string[] = Object.freeze([]);
const lower = (value: string | undefined): string => (value ?? '').toLowerCase();
/** Key of a warehouse relation, as compiled SQL names it (`"db"."schema"."table"`), case-folded. */
export const relationKey = (database: string | undefined, schema: string, identifier: string): string => `${lower(database)}.${lower(schema)}.${lower(identifier)}`;

interface CatalogEntry {
  columns: Array<{ name: string; type: string; index: number }>;
  rows?: number | undefined;
}

/** Parses a JSON artefact, or says in one line which file is broken. */
function jsonOf(input: unknown, file: string): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${errorLine(error)}); run dbt again to rewrite it`);
  }
}

/** catalog.json's nodes and sources by unique_id. */
function catalogEntries(input: unknown): Map<string, CatalogEntry> {
  const root = obj(jsonOf(input, 'catalog.json'));
  const entries = new Map<string, CatalogEntry>();
  for (const group of [obj(root?.nodes), obj(root?.sources)]) {
    for (const [id, raw] of Object.entries(group ?? {})) {
      const node = obj(raw);
      const columns = Object.values(obj(node?.columns) ?? {}).flatMap((value) => {
        const column = obj(value);
        const name = str(column?.name);
        return name ? [{ name, type: str(column?.type) ?? '', index: typeof column?.index === 'number' ? column.index : 0 }] : [];
      });
      const rowCount = obj(obj(obj(node?.stats)?.row_count))?.value;
      entries.set(id, { columns: columns.sort((a, b) => a.index - b.index), rows: typeof rowCount === 'number' ? rowCount : undefined });
    }
  }
  return entries;
}

/** The warehouse catalog grouped by `schema.table` (case-folded), columns in position order. */
function warehouseTables(columns: readonly CatalogColumn[]): Map<string, CatalogEntry> {
  const tables = new Map<string, CatalogEntry>();
  for (const column of columns) {
    const key = `${lower(column.schema)}.${lower(column.table)}`;
    let entry = tables.get(key);
    if (!entry) tables.set(key, (entry = { columns: [], rows: column.rows }));
    entry.columns.push({ name: column.column, type: column.type, index: column.position });
  }
  for (const entry of tables.values()) entry.columns.sort((a, b) => a.index - b.index);
  return tables;
}

/** Catalog columns (the warehouse's truth, in its order) with YAML descriptions; YAML-only columns after. */
function mergeColumns(documented: readonly ManifestColumn[], catalog: CatalogEntry | undefined): { columns: IndexedColumn[]; from: IndexedNode['columnsFrom'] } {
  if (!catalog || catalog.columns.length === 0) {
    return { columns: documented.map((column) => ({ name: column.name, type: column.dataType, description: column.description, origin: 'yaml' })), from: documented.length > 0 ? 'yaml' : 'none' };
  }
  const byName = new Map(documented.map((column) => [column.name.toLowerCase(), column]));
  const columns: IndexedColumn[] = catalog.columns.map((column) => {
    const doc = byName.get(column.name.toLowerCase());
    byName.delete(column.name.toLowerCase());
    return { name: column.name, type: column.type || doc?.dataType, description: doc?.description, origin: doc ? 'both' : 'catalog' };
  });
  for (const doc of byName.values()) columns.push({ name: doc.name, type: doc.dataType, description: doc.description, origin: 'yaml' });
  return { columns, from: 'catalog' };
}

const pushTo = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/** A relation of a package (left out of the tree's `projectRelations`), in the shape `layerOf` reads. */
function packageRelation(entry: ManifestRelation): ProjectRelation {
  return { uniqueId: entry.uniqueId, kind: entry.resourceType, name: entry.name, schema: entry.schema, identifier: entry.alias, folders: entry.folders, metaLayer: entry.metaLayer };
}

/** Everything the authoring features look up, built once per manifest. */
export class ProjectIndex {
  readonly projectName: string | undefined;
  readonly adapterType: string | undefined;
  readonly nodes = new Map<string, IndexedNode>();
  readonly macros = new Map<string, IndexedMacro>();
  readonly docs = new Map<string, IndexedDoc>();
  private readonly refables = new Map<string, IndexedNode[]>();
  private readonly sourceTables = new Map<string, Map<string, IndexedNode>>();
  private readonly macrosByName = new Map<string, IndexedMacro[]>();
  private readonly files = new Map<string, string[]>();
  private readonly relations = new Map<string, string>();

  constructor(readonly manifest: ParsedManifest, raw: Json, catalog: Map<string, CatalogEntry>, warehouse: Map<string, CatalogEntry>, mapping: Readonly<Record<string, string>>) {
    this.projectName = manifest.projectName;
    this.adapterType = manifest.adapterType;
    const rawNodes = obj(raw.nodes) ?? {};
    const rawSources = obj(raw.sources) ?? {};
    const projectOwn = new Map(projectRelations(manifest).map((relation) => [relation.uniqueId, relation]));
    const childrenOf = (id: string): readonly string[] => (manifest.childMap.get(id) ?? NONE).filter((child) => !child.startsWith('test.') && !child.startsWith('unit_test.'));
    const catalogOf = (id: string, schema: string, identifier: string): CatalogEntry | undefined => catalog.get(id) ?? warehouse.get(`${lower(schema)}.${lower(identifier)}`);

    for (const entry of manifest.relations.values()) {
      if (!entry.enabled) continue;
      const node = obj(rawNodes[entry.uniqueId]) ?? {};
      const relation = projectOwn.get(entry.uniqueId) ?? packageRelation(entry);
      const fromCatalog = catalogOf(entry.uniqueId, entry.schema, entry.alias);
      const { columns, from } = mergeColumns(entry.columns, fromCatalog);
      const version = node.version;
      this.add({
        uniqueId: entry.uniqueId,
        kind: entry.resourceType,
        name: entry.name,
        label: entry.name,
        packageName: entry.packageName,
        file: entry.originalFilePath,
        patchPath: entry.patchPath,
        description: entry.description,
        materialization: entry.materialization,
        layer: layerOf(entry.schema, relation, mapping),
        database: entry.database,
        schema: entry.schema,
        identifier: entry.alias,
        version: typeof version === 'string' || typeof version === 'number' ? String(version) : undefined,
        columns,
        columnsFrom: from,
        parents: (manifest.parentMap.get(entry.uniqueId) ?? entry.dependsOn).filter((id) => !id.startsWith('macro.')),
        children: childrenOf(entry.uniqueId),
        tests: manifest.testsByNode.get(entry.uniqueId) ?? NONE,
        rawCode: str(node.raw_code),
        compiledCode: str(node.compiled_code),
        compiledPath: str(node.compiled_path),
        catalogRows: fromCatalog?.rows,
      });
    }
    for (const entry of manifest.sources.values()) {
      const node = obj(rawSources[entry.uniqueId]) ?? {};
      if (obj(node.config)?.enabled === false) continue;
      const relation = projectOwn.get(entry.uniqueId);
      const fromCatalog = catalogOf(entry.uniqueId, entry.schema, entry.identifier);
      const { columns, from } = mergeColumns(entry.columns, fromCatalog);
      this.add({
        uniqueId: entry.uniqueId,
        kind: 'source',
        name: entry.name,
        sourceName: entry.sourceName,
        label: `${entry.sourceName}.${entry.name}`,
        packageName: entry.packageName,
        file: entry.originalFilePath,
        patchPath: entry.originalFilePath,
        description: entry.description ?? entry.sourceDescription,
        layer: relation ? layerOf(entry.schema, relation, mapping) : 'bronze',
        database: entry.database,
        schema: entry.schema,
        identifier: entry.identifier,
        columns,
        columnsFrom: from,
        parents: NONE,
        children: childrenOf(entry.uniqueId),
        tests: manifest.testsByNode.get(entry.uniqueId) ?? NONE,
        loadedAtField: entry.loadedAtField,
        freshness: entry.freshness,
        catalogRows: fromCatalog?.rows,
      });
    }
    for (const [key, value] of Object.entries(obj(raw.macros) ?? {})) {
      const macro = obj(value);
      if (!macro) continue;
      const name = str(macro.name);
      if (!name) continue;
      const args = Array.isArray(macro.arguments) ? macro.arguments : [];
      const entry: IndexedMacro = {
        uniqueId: str(macro.unique_id) ?? key,
        name,
        packageName: str(macro.package_name) ?? key.split('.')[1] ?? '',
        file: str(macro.original_file_path),
        description: str(macro.description),
        arguments: args.flatMap((arg) => {
          const item = obj(arg);
          const argName = str(item?.name);
          return argName ? [{ name: argName, type: str(item?.type), description: str(item?.description) }] : [];
        }),
        macroSql: str(macro.macro_sql),
      };
      this.macros.set(entry.uniqueId, entry);
      pushTo(this.macrosByName, name, entry);
      if (entry.file && entry.packageName === this.projectName) pushTo(this.files, entry.file, entry.uniqueId);
    }
    for (const [key, value] of Object.entries(obj(raw.docs) ?? {})) {
      const doc = obj(value);
      const name = str(doc?.name);
      if (!doc || !name) continue;
      const entry: IndexedDoc = { uniqueId: str(doc.unique_id) ?? key, name, packageName: str(doc.package_name) ?? '', file: str(doc.original_file_path), contents: typeof doc.block_contents === 'string' ? doc.block_contents : '' };
      this.docs.set(entry.uniqueId, entry);
    }
  }

  private add(node: IndexedNode): void {
    this.nodes.set(node.uniqueId, node);
    if (node.kind === 'source') {
      let tables = this.sourceTables.get(node.sourceName ?? '');
      if (!tables) this.sourceTables.set(node.sourceName ?? '', (tables = new Map<string, IndexedNode>()));
      tables.set(node.name, node);
    } else {
      pushTo(this.refables, node.name, node);
    }
    const own = !node.packageName || node.packageName === this.projectName;
    if (own && node.file) pushTo(this.files, node.file, node.uniqueId);
    if (own && node.patchPath && node.patchPath !== node.file) pushTo(this.files, node.patchPath, node.uniqueId);
    this.relations.set(relationKey(node.database, node.schema, node.identifier), node.uniqueId);
  }

  /** The node `ref(name)` / `ref(package, name)` / `ref(name, v=…)` points to; the project's own first, then the latest version. */
  ref(name: string, packageName?: string, version?: string): IndexedNode | undefined {
    const candidates = (this.refables.get(name) ?? []).filter((node) => !packageName || node.packageName === packageName);
    if (version !== undefined) return candidates.find((node) => node.version === version);
    const own = candidates.filter((node) => node.packageName === this.projectName);
    const pool = own.length > 0 ? own : candidates;
    return [...pool].sort((a, b) => Number(b.version ?? 0) - Number(a.version ?? 0))[0];
  }

  /** The node of `source(source, table)`. */
  source(sourceName: string, table: string): IndexedNode | undefined {
    return this.sourceTables.get(sourceName)?.get(table);
  }

  /** Source names, sorted. */
  sourceNames(): string[] {
    return [...this.sourceTables.keys()].sort();
  }

  /** The tables of one source, sorted by name. */
  tablesOf(sourceName: string): IndexedNode[] {
    return [...(this.sourceTables.get(sourceName)?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** What `ref()` can name (models, seeds, snapshots), sorted by name. */
  refableNodes(packageName?: string): IndexedNode[] {
    const nodes: IndexedNode[] = [];
    for (const list of this.refables.values()) for (const node of list) if (!packageName || node.packageName === packageName) nodes.push(node);
    return nodes.sort((a, b) => a.name.localeCompare(b.name) || a.uniqueId.localeCompare(b.uniqueId));
  }

  /** Whether any model, seed or snapshot is named `name` (dbt requires the names to be unique). */
  hasRefable(name: string): boolean {
    return (this.refables.get(name)?.length ?? 0) > 0;
  }

  /**
   * The macro a call names: `pkg.name` in that package; a bare name in the project first, then in
   * the adapter's and dbt's own packages, then anywhere (dbt's own search order for calls).
   */
  macro(name: string, packageName?: string): IndexedMacro | undefined {
    const candidates = this.macrosByName.get(name) ?? [];
    if (packageName) return candidates.find((macro) => macro.packageName === packageName);
    const rank = (macro: IndexedMacro): number =>
      macro.packageName === this.projectName ? 0 : macro.packageName === `dbt_${this.adapterType ?? ''}` ? 1 : macro.packageName === 'dbt' ? 2 : 3;
    return [...candidates].sort((a, b) => rank(a) - rank(b))[0];
  }

  /** The implementations `adapter.dispatch(name, namespace)` can pick: `<adapter>__name`, `default__name`. */
  dispatchTargets(name: string, namespace?: string): IndexedMacro[] {
    const prefixes = [this.adapterType, 'default'].filter((prefix): prefix is string => !!prefix);
    const found: IndexedMacro[] = [];
    for (const prefix of prefixes) {
      for (const macro of this.macrosByName.get(`${prefix}__${name}`) ?? []) {
        if (!namespace || macro.packageName === namespace || macro.packageName === this.projectName) found.push(macro);
      }
    }
    return found;
  }

  /** Macro names visible to a bare call, sorted (one per name). */
  macroNames(): IndexedMacro[] {
    return [...this.macrosByName.keys()].sort().flatMap((name) => {
      const macro = this.macro(name);
      return macro ? [macro] : [];
    });
  }

  /** The docs block of `doc(name)` / `doc(package, name)`. */
  doc(name: string, packageName?: string): IndexedDoc | undefined {
    let fallback: IndexedDoc | undefined;
    for (const doc of this.docs.values()) {
      if (doc.name !== name || (packageName && doc.packageName !== packageName)) continue;
      if (doc.packageName === this.projectName) return doc;
      fallback ??= doc;
    }
    return fallback;
  }

  /** Nodes and macros defined or documented in a project file (path relative to the project). */
  inFile(path: string): string[] {
    return this.files.get(path.replace(/\\/g, '/')) ?? [];
  }

  /** The node a warehouse relation is (compiled SQL's `"db"."schema"."table"`), case-insensitive. */
  byRelation(database: string | undefined, schema: string, identifier: string): IndexedNode | undefined {
    const id = this.relations.get(relationKey(database, schema, identifier));
    if (id) return this.nodes.get(id);
    if (database !== undefined) return undefined;
    // Without a database, a unique schema.table match will do.
    let match: IndexedNode | undefined;
    for (const node of this.nodes.values()) {
      if (lower(node.schema) !== lower(schema) || lower(node.identifier) !== lower(identifier)) continue;
      if (match) return undefined;
      match = node;
    }
    return match;
  }
}

/** Builds the index of a manifest (and optional catalogs). Throws, in one line, only when a text is not JSON. */
export function buildProjectIndex(inputs: IndexInputs): ProjectIndex {
  const raw = obj(jsonOf(inputs.manifest, 'manifest.json')) ?? {};
  const parsed = inputs.parsed ?? parseManifest(raw);
  const catalog = inputs.catalog === undefined ? new Map<string, CatalogEntry>() : catalogEntries(inputs.catalog);
  const warehouse = warehouseTables(inputs.warehouseColumns ?? []);
  return new ProjectIndex(parsed, raw, catalog, warehouse, inputs.layerMapping ?? {});
}

/**
 * Keeps the index of the current manifest: built on first use, rebuilt only when the version
 * the caller gives (e.g. the manifest file's mtime and size, plus the catalog's) changes.
 */
export class ProjectIndexCache {
  private current: { version: string; index: ProjectIndex } | undefined;

  /**
   * The index for `version`, loading and building it only when the version changed. When that
   * fails (a manifest dbt is still writing), it throws and keeps the last index (`last`).
   */
  get(version: string, load: () => IndexInputs): ProjectIndex {
    if (this.current?.version !== version) this.current = { version, index: buildProjectIndex(load()) };
    return this.current.index;
  }

  /** The last index built, if any. */
  get last(): ProjectIndex | undefined {
    return this.current?.index;
  }

  /** Forgets the index (the next `get` rebuilds it). */
  invalidate(): void {
    this.current = undefined;
  }
}
