/**
 * dbt's target/manifest.json, reduced to what Medallion shows and maps: relations (models,
 * snapshots, seeds), sources, tests and the lineage between them. Pure and tolerant: a field
 * missing from an older or hand-written manifest becomes undefined or empty, never an exception.
 * One pass over the nodes, no per-node allocation beyond the result, so large manifests parse
 * in a few milliseconds after JSON.parse.
 */

export interface ManifestColumn {
  name: string;
  description?: string | undefined;
  /** `data_type` when documented in YAML. */
  dataType?: string | undefined;
  meta: Readonly<Record<string, unknown>>;
  tags: readonly string[];
}

interface ManifestEntryBase {
  uniqueId: string;
  name: string;
  packageName?: string | undefined;
  /** Path of the file that defines the node, relative to the project, as dbt writes it. */
  originalFilePath?: string | undefined;
  description?: string | undefined;
  fqn: readonly string[];
  /** Folders within the project: the fqn without the project name and the node name. */
  folders: readonly string[];
  tags: readonly string[];
  /** `meta` merged with `config.meta` (which wins, as in dbt 1.10+). */
  meta: Readonly<Record<string, unknown>>;
  /** `meta.layer` when it is a string. */
  metaLayer?: string | undefined;
}

/** A model, snapshot or seed: something dbt builds in the warehouse. */
export interface ManifestRelation extends ManifestEntryBase {
  resourceType: 'model' | 'snapshot' | 'seed';
  database?: string | undefined;
  schema: string;
  /** The relation's name in the warehouse (alias, else name). */
  alias: string;
  relationName?: string | undefined;
  materialization?: string | undefined;
  /** YAML file documenting the node, relative to the project (dbt's `patch_path` without `project://`). */
  patchPath?: string | undefined;
  columns: readonly ManifestColumn[];
  enabled: boolean;
  language?: string | undefined;
  dependsOn: readonly string[];
}

export interface FreshnessRule {
  count: number;
  period: string;
}

export interface ManifestSource extends ManifestEntryBase {
  resourceType: 'source';
  sourceName: string;
  sourceDescription?: string | undefined;
  database?: string | undefined;
  schema: string;
  identifier: string;
  relationName?: string | undefined;
  loadedAtField?: string | undefined;
  freshness?: { warnAfter?: FreshnessRule | undefined; errorAfter?: FreshnessRule | undefined } | undefined;
  columns: readonly ManifestColumn[];
}

export interface ManifestTest extends ManifestEntryBase {
  resourceType: 'test' | 'unit_test';
  /** generic: declared in YAML (`unique`, `accepted_values`...); singular: a .sql file; unit: a unit test. */
  kind: 'generic' | 'singular' | 'unit';
  /** The node the test belongs to (dbt's `attached_node`, or the unit test's model). */
  attachedNode?: string | undefined;
  columnName?: string | undefined;
  /** Generic test name (`accepted_values`), or the unit test's name. */
  testName?: string | undefined;
  testNamespace?: string | undefined;
  /** `error` or `warn`, lowercased. */
  severity?: string | undefined;
  dependsOn: readonly string[];
}

export type ManifestEntry = ManifestRelation | ManifestSource | ManifestTest;

export interface ParsedManifest {
  projectName?: string | undefined;
  dbtVersion?: string | undefined;
  adapterType?: string | undefined;
  generatedAt?: string | undefined;
  invocationId?: string | undefined;
  relations: ReadonlyMap<string, ManifestRelation>;
  sources: ReadonlyMap<string, ManifestSource>;
  tests: ReadonlyMap<string, ManifestTest>;
  /** Direct parents of every node (dbt's parent_map, or rebuilt from depends_on). */
  parentMap: ReadonlyMap<string, readonly string[]>;
  /** Direct children of every node, tests included. */
  childMap: ReadonlyMap<string, readonly string[]>;
  /** Tests of every relation or source, by unique_id (a relationships test counts for both sides). */
  testsByNode: ReadonlyMap<string, readonly string[]>;
}

type Json = Record<string, unknown>;

const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const NONE: readonly string[] = Object.freeze([]);
/** The array itself when it holds only strings (the usual case: no copy), else its strings. */
function strings(value: unknown): readonly string[] {
  if (!Array.isArray(value)) return NONE;
  for (const item of value) if (typeof item !== 'string') return value.filter((entry): entry is string => typeof entry === 'string');
  return value as string[];
}
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
const hasKeys = (value: Json | undefined): value is Json => {
  for (const _key in value) return true;
  return false;
};

function columnsOf(value: unknown): ManifestColumn[] {
  const columns = obj(value);
  if (!columns) return [];
  const result: ManifestColumn[] = [];
  for (const [key, raw] of Object.entries(columns)) {
    const column = obj(raw) ?? {};
    result.push({
      name: str(column.name) ?? key,
      description: str(column.description),
      dataType: str(column.data_type),
      meta: obj(column.meta) ?? obj(obj(column.config)?.meta) ?? EMPTY,
      tags: strings(column.tags),
    });
  }
  return result;
}

type BaseKeys = Exclude<keyof ManifestEntryBase, 'uniqueId' | 'name'>;

/**
 * Adds the fields every entry has to `target`, so that each node costs one object: spreading a
 * base object into each entry made parsing a 1,000-model manifest three times slower.
 */
function fillBase<T extends { uniqueId: string; name: string }>(partial: T, node: Json, config: Json | undefined): T & ManifestEntryBase {
  const target = partial as T & ManifestEntryBase;
  const nodeMeta = obj(node.meta);
  const configMeta = obj(config?.meta);
  // Both are usually empty: merge only when both say something.
  const meta = hasKeys(configMeta) ? (hasKeys(nodeMeta) ? { ...nodeMeta, ...configMeta } : configMeta) : (nodeMeta ?? EMPTY);
  const fqn = strings(node.fqn);
  const tags = strings(node.tags);
  target.packageName = str(node.package_name);
  target.originalFilePath = str(node.original_file_path);
  target.description = str(node.description);
  target.fqn = fqn;
  target.folders = fqn.length > 2 ? fqn.slice(1, -1) : NONE;
  target.tags = tags.length > 0 ? tags : strings(config?.tags);
  target.meta = meta;
  target.metaLayer = str(meta.layer);
  return target;
}

const nameOf = (node: Json, uniqueId: string): string => str(node.name) ?? uniqueId.slice(uniqueId.lastIndexOf('.') + 1);

/** `project://models/x.yml` → `models/x.yml`. */
const stripPatchPath = (value: unknown): string | undefined => str(value)?.replace(/^[^:/\\]+:\/\//, '');

function freshnessRule(value: unknown): FreshnessRule | undefined {
  const rule = obj(value);
  if (!rule || typeof rule.count !== 'number' || typeof rule.period !== 'string') return undefined;
  return { count: rule.count, period: rule.period };
}

function relationOf(node: Json, uniqueId: string, resourceType: ManifestRelation['resourceType']): ManifestRelation {
  const config = obj(node.config);
  const name = nameOf(node, uniqueId);
  const relation = {
    uniqueId,
    name,
    resourceType,
    database: str(node.database),
    schema: str(node.schema) ?? '',
    alias: str(node.alias) ?? str(config?.alias) ?? name,
    relationName: str(node.relation_name),
    materialization: str(config?.materialized),
    patchPath: stripPatchPath(node.patch_path),
    columns: columnsOf(node.columns),
    enabled: config?.enabled !== false,
    language: str(node.language),
    dependsOn: strings(obj(node.depends_on)?.nodes),
  } satisfies Omit<ManifestRelation, BaseKeys>;
  return fillBase(relation, node, config);
}

function testOf(node: Json, uniqueId: string, unit: boolean): ManifestTest {
  const config = obj(node.config);
  const metadata = obj(node.test_metadata);
  const dependsOn = strings(obj(node.depends_on)?.nodes);
  let attachedNode = str(node.attached_node);
  if (unit) {
    const model = str(node.model);
    attachedNode = (model && dependsOn.find((id) => id.endsWith(`.${model}`))) ?? dependsOn[0];
  } else if (!attachedNode && metadata && dependsOn.length === 1) {
    attachedNode = dependsOn[0];
  }
  const test = {
    uniqueId,
    name: nameOf(node, uniqueId),
    resourceType: unit ? 'unit_test' : 'test',
    kind: unit ? 'unit' : metadata ? 'generic' : 'singular',
    attachedNode,
    columnName: str(node.column_name),
    testName: unit ? str(node.name) : str(metadata?.name),
    testNamespace: str(metadata?.namespace),
    severity: str(config?.severity)?.toLowerCase(),
    dependsOn,
  } satisfies Omit<ManifestTest, BaseKeys>;
  return fillBase(test, node, config);
}

function sourceOf(node: Json, uniqueId: string): ManifestSource {
  const freshness = obj(node.freshness);
  const name = nameOf(node, uniqueId);
  const source = {
    uniqueId,
    name,
    resourceType: 'source',
    sourceName: str(node.source_name) ?? '',
    sourceDescription: str(node.source_description),
    database: str(node.database),
    schema: str(node.schema) ?? '',
    identifier: str(node.identifier) ?? name,
    relationName: str(node.relation_name),
    loadedAtField: str(node.loaded_at_field),
    freshness: freshness ? { warnAfter: freshnessRule(freshness.warn_after), errorAfter: freshnessRule(freshness.error_after) } : undefined,
    columns: columnsOf(node.columns),
  } satisfies Omit<ManifestSource, BaseKeys>;
  return fillBase(source, node, obj(node.config));
}

function mapOfLists(value: unknown): Map<string, readonly string[]> | undefined {
  const raw = obj(value);
  if (!raw) return undefined;
  const map = new Map<string, readonly string[]>();
  for (const [key, list] of Object.entries(raw)) map.set(key, strings(list));
  return map;
}

const pushTo = (map: Map<string, string[]>, key: string, value: string): void => {
  const list = map.get(key);
  if (list) {
    if (!list.includes(value)) list.push(value);
  } else map.set(key, [value]);
};

/** Parses manifest.json (its text or its parsed value). Throws only when it is not JSON. */
export function parseManifest(input: unknown): ParsedManifest {
  const root = obj(typeof input === 'string' ? (JSON.parse(input) as unknown) : input) ?? {};
  const metadata = obj(root.metadata) ?? {};
  const relations = new Map<string, ManifestRelation>();
  const sources = new Map<string, ManifestSource>();
  const tests = new Map<string, ManifestTest>();
  const dependencies: Array<[string, readonly string[]]> = [];

  for (const [key, raw] of Object.entries(obj(root.nodes) ?? {})) {
    const node = obj(raw);
    if (!node) continue;
    const uniqueId = str(node.unique_id) ?? key;
    const resourceType = str(node.resource_type) ?? key.split('.')[0];
    if (resourceType === 'model' || resourceType === 'snapshot' || resourceType === 'seed') {
      const relation = relationOf(node, uniqueId, resourceType);
      relations.set(uniqueId, relation);
      dependencies.push([uniqueId, relation.dependsOn]);
    } else if (resourceType === 'test') {
      const test = testOf(node, uniqueId, false);
      tests.set(uniqueId, test);
      dependencies.push([uniqueId, test.dependsOn]);
    }
  }
  for (const [key, raw] of Object.entries(obj(root.unit_tests) ?? {})) {
    const node = obj(raw);
    if (!node) continue;
    const test = testOf(node, str(node.unique_id) ?? key, true);
    tests.set(test.uniqueId, test);
  }
  for (const [key, raw] of Object.entries(obj(root.sources) ?? {})) {
    const node = obj(raw);
    if (!node) continue;
    const source = sourceOf(node, str(node.unique_id) ?? key);
    sources.set(source.uniqueId, source);
  }

  let parentMap = mapOfLists(root.parent_map);
  let childMap = mapOfLists(root.child_map);
  if (!parentMap || !childMap) {
    const parents = new Map<string, string[]>();
    const children = new Map<string, string[]>();
    for (const id of [...relations.keys(), ...sources.keys(), ...tests.keys()]) {
      parents.set(id, []);
      children.set(id, []);
    }
    for (const [id, dependsOn] of dependencies) {
      for (const parent of dependsOn) {
        pushTo(parents, id, parent);
        pushTo(children, parent, id);
      }
    }
    parentMap ??= parents;
    childMap ??= children;
  }

  const testsByNode = new Map<string, string[]>();
  const add = (node: string, test: string) => {
    const list = testsByNode.get(node);
    if (list) list.push(test);
    else testsByNode.set(node, [test]);
  };
  for (const test of tests.values()) {
    if (test.attachedNode) add(test.attachedNode, test.uniqueId);
    if (test.kind !== 'unit') for (const parent of test.dependsOn) if (parent !== test.attachedNode) add(parent, test.uniqueId);
  }

  return {
    projectName: str(metadata.project_name),
    dbtVersion: str(metadata.dbt_version),
    adapterType: str(metadata.adapter_type),
    generatedAt: str(metadata.generated_at),
    invocationId: str(metadata.invocation_id),
    relations,
    sources,
    tests,
    parentMap,
    childMap,
    testsByNode,
  };
}

/** Any node of the manifest by unique_id. */
export function manifestEntry(manifest: ParsedManifest, uniqueId: string): ManifestEntry | undefined {
  return manifest.relations.get(uniqueId) ?? manifest.sources.get(uniqueId) ?? manifest.tests.get(uniqueId);
}

const isTestId = (id: string): boolean => id.startsWith('test.') || id.startsWith('unit_test.');

/** Every node downstream of `uniqueId` (children, their children...), tests left out unless asked. */
export function downstreamOf(manifest: ParsedManifest, uniqueId: string, options: { includeTests?: boolean } = {}): string[] {
  const seen = new Set<string>([uniqueId]);
  const result: string[] = [];
  const queue = [uniqueId];
  for (let head = 0; head < queue.length; head++) {
    for (const child of manifest.childMap.get(queue[head] as string) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      if (isTestId(child)) {
        if (options.includeTests) result.push(child);
        continue;
      }
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

/**
 * The names of `uniqueId` (unless a source) and of every model, snapshot and seed downstream of it: the
 * `--select` of "build this node and downstream" that picks no test by itself. `stg_orders+` would also
 * pick, as descendants, the tests of every downstream model, including one that reads a model outside
 * the selection (a relationship to a parent that was not rebuilt); named, the models' tests come in
 * through `--indirect-selection` (cautious: only those that read nothing else).
 */
export function downstreamNames(manifest: ParsedManifest, uniqueId: string): string[] {
  return [uniqueId, ...downstreamOf(manifest, uniqueId)].flatMap((id) => {
    const relation = manifest.relations.get(id);
    return relation ? [relation.name] : [];
  });
}

/** How many relations (not tests) a change to `uniqueId` would rebuild downstream. */
export const downstreamCount = (manifest: ParsedManifest, uniqueId: string): number => downstreamOf(manifest, uniqueId).length;
