/**
 * The data half of a lineage data source, over the project index: the graph with each node's
 * status (the caller's row counts, freshness and last run; catalog row counts where it has none;
 * a source's freshness against its own `warn_after` / `error_after`), a node's description and
 * columns, and column lineage computed locally by DuckDB's parser. Lineage of a model is computed
 * with its ancestors' (so a parent without catalog columns lends the columns its own SQL yields)
 * and kept per index: a new manifest starts afresh. Pure: no VS Code; the actions (Open, Preview,
 * Build) and the change events are the extension's to add.
 */
import { modelsInOrder, projectLineage, type ModelLineage } from '../authoring/columnLineage';
import { buildLineageGraph } from '../authoring/lineageGraph';
import type { NodeStats } from '../authoring/navigation';
import type { IndexedNode, ProjectIndex } from '../authoring/projectIndex';
import type { SqlParser } from '../authoring/sqlParser';
import type { FreshnessRule } from '../dbt/manifest';
import type { FreshnessState } from '../webview/lineageProtocol';
import type { LineageDataSource } from './lineageController';

export interface ProjectLineageOptions {
  /** The current project index (rebuilt by its cache when the manifest changes). Throws when there is no manifest yet. */
  index(): ProjectIndex | Promise<ProjectIndex>;
  /** DuckDB's SQL parser, opened on first use and kept by the caller. */
  parser(): Promise<SqlParser>;
  /** Rows, freshness and last run of a node, where the warehouse and dbt's last run tell. */
  stats?(uniqueId: string): NodeStats | undefined;
  /** The clock freshness is judged by. */
  now?(): Date;
}

const HOURS: Record<string, number> = { minute: 1 / 60, hour: 1, day: 24 };

const overdue = (rule: FreshnessRule | undefined, ageHours: number): boolean => rule !== undefined && HOURS[rule.period] !== undefined && ageHours > rule.count * (HOURS[rule.period] as number);

/** A source's freshness by its own rules, or undefined when it has none or its age is not known. */
export function freshnessOf(node: IndexedNode, freshAt: string | undefined, now: Date): FreshnessState | undefined {
  const rules = node.freshness;
  if (!rules || (!rules.warnAfter && !rules.errorAfter) || freshAt === undefined) return undefined;
  const at = Date.parse(freshAt);
  if (!Number.isFinite(at)) return undefined;
  const ageHours = (now.getTime() - at) / 3_600_000;
  if (overdue(rules.errorAfter, ageHours)) return 'error';
  if (overdue(rules.warnAfter, ageHours)) return 'warn';
  return 'pass';
}

/** The ancestors of a node (parents first, the node last) among the models that have SQL. */
function lineageOrder(index: ProjectIndex, order: readonly string[], nodeId: string): string[] {
  const wanted = new Set<string>([nodeId]);
  const stack = [nodeId];
  while (stack.length > 0) {
    for (const parent of index.nodes.get(stack.pop() as string)?.parents ?? []) {
      if (wanted.has(parent)) continue;
      wanted.add(parent);
      stack.push(parent);
    }
  }
  return order.filter((id) => wanted.has(id));
}

/** graph, details and columnLineage of a `LineageDataSource` over the project index. */
export function projectLineageSource(options: ProjectLineageOptions): Pick<LineageDataSource, 'graph' | 'details' | 'columnLineage'> {
  const cached = new WeakMap<ProjectIndex, { order: string[]; lineage: Map<string, ModelLineage> }>();
  // One DuckDB connection parses: lineage requests run one after another.
  let queue: Promise<unknown> = Promise.resolve();
  const now = (): Date => options.now?.() ?? new Date();
  return {
    async graph() {
      const index = await options.index();
      const at = now();
      const graph = buildLineageGraph(index, (id) => {
        const stats = options.stats?.(id);
        const rows = stats?.rows ?? index.nodes.get(id)?.catalogRows;
        return { ...stats, rows };
      });
      return {
        edges: graph.edges,
        nodes: graph.nodes.map((node) => {
          const indexed = index.nodes.get(node.id);
          return { ...node, freshness: indexed ? freshnessOf(indexed, node.freshAt, at) : undefined };
        }),
      };
    },

    async details(nodeId) {
      const node = (await options.index()).nodes.get(nodeId);
      if (!node) return undefined;
      return {
        description: node.description,
        columns: node.columns.map((column) => ({ name: column.name, type: column.type, description: column.description })),
        tests: node.tests.length,
      };
    },

    columnLineage(nodeId) {
      const run = queue.then(async () => {
        const index = await options.index();
        const node = index.nodes.get(nodeId);
        if (!node?.compiledCode) return undefined;
        let entry = cached.get(index);
        if (!entry) cached.set(index, (entry = { order: modelsInOrder(index), lineage: new Map() }));
        const known = entry.lineage.get(nodeId);
        if (known) return known;
        // Parents first, so each model sees the columns its parents' own SQL yields.
        const computed = await projectLineage(index, await options.parser(), lineageOrder(index, entry.order, nodeId));
        for (const [id, lineage] of computed) entry.lineage.set(id, lineage);
        return computed.get(nodeId);
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
