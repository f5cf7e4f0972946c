/**
 * The upstream of one column through the whole project: from a model's output column, through
 * the column lineage of each model on the way, to the columns of sources and seeds where the data
 * enters. Every (node, column) reached is listed once, with the hops from the start and why the
 * walk stopped there when it did not reach a source: lineage unknown (with the reason), SQL DuckDB
 * could not parse, or a model not compiled yet. Pure: the lineage of each model is asked for.
 */
import type { ColumnLineage, ModelLineage } from './columnLineage';

/** A column of a node of the project. */
export interface ColumnRef {
  nodeId: string;
  column: string;
}

/**
 * traced: its lineage is known (it may have no upstream: a constant); root: where data enters
 * (a source, a seed, a table outside the project); unknown: not (wholly) resolved; unparsed: the
 * model's compiled SQL could not be parsed.
 */
export type TraceState = 'traced' | 'root' | 'unknown' | 'unparsed';

export interface TracedColumn {
  /** The node; undefined for a table the project does not define. */
  nodeId?: string | undefined;
  /** How compiled SQL names the table, for one outside the project. */
  relation?: string | undefined;
  column: string;
  /** Hops from the column traced (0: the column itself). */
  depth: number;
  state: TraceState;
  transform?: ColumnLineage['transform'] | undefined;
  /** Why the lineage stops here (unknown, unparsed, not compiled). */
  reason?: string | undefined;
}

export interface ColumnTrace {
  /** The column traced first, then every upstream column once, nearest first. */
  columns: TracedColumn[];
  /** `from` (upstream) feeds `to`: indexes into `columns`. */
  links: Array<{ from: number; to: number }>;
  /** The walk stopped at `limit` columns. */
  truncated: boolean;
}

export interface TraceInputs {
  /** The column lineage of a node's SQL; undefined when it has none here (a source, a seed, a model not compiled). */
  lineage(nodeId: string): ModelLineage | undefined | Promise<ModelLineage | undefined>;
  /** Whether the node is built from SQL (a model or a snapshot): without lineage it is then not compiled, not a root. */
  hasSql(nodeId: string): boolean;
  /** Columns visited at most (10,000 by default). */
  limit?: number | undefined;
}

/** The reason given for a model whose compiled SQL is not known. */
export const NOT_COMPILED = 'the model is not compiled yet: run dbt compile (or build) to see its column lineage';

/** Every upstream column of `start`, breadth first. */
export async function traceColumn(start: ColumnRef, inputs: TraceInputs): Promise<ColumnTrace> {
  const limit = inputs.limit ?? 10_000;
  const columns: TracedColumn[] = [{ nodeId: start.nodeId, column: start.column, depth: 0, state: 'traced' }];
  const links: Array<{ from: number; to: number }> = [];
  const linked = new Set<string>();
  const seen = new Map<string, number>([[`${start.nodeId}\u0000${start.column.toLowerCase()}`, 0]]);
  let truncated = false;
  for (let at = 0; at < columns.length; at++) {
    const current = columns[at] as TracedColumn;
    if (current.nodeId === undefined) {
      current.state = 'root';
      continue;
    }
    const lineage = await inputs.lineage(current.nodeId);
    if (!lineage) {
      if (inputs.hasSql(current.nodeId)) Object.assign(current, { state: 'unknown', reason: NOT_COMPILED });
      else current.state = 'root';
      continue;
    }
    if (lineage.status === 'unparsed') {
      Object.assign(current, { state: 'unparsed', reason: lineage.reason });
      continue;
    }
    const key = current.column.toLowerCase();
    const found = lineage.columns.find((column) => column.name.toLowerCase() === key);
    if (!found) {
      // A `*` DuckDB could not expand may hold it; otherwise the SQL does not produce it.
      const star = lineage.columns.find((column) => column.name === '*');
      Object.assign(current, { state: 'unknown', reason: star?.unknown ?? `the compiled SQL produces no column ${current.column}` });
      continue;
    }
    Object.assign(current, { state: found.unknown ? 'unknown' : 'traced', transform: found.transform, reason: found.unknown });
    for (const source of found.sources) {
      const sourceKey = `${source.nodeId ?? source.relation}\u0000${source.column.toLowerCase()}`;
      let index = seen.get(sourceKey);
      if (index === undefined) {
        if (columns.length >= limit) {
          truncated = true;
          continue;
        }
        index = columns.length;
        seen.set(sourceKey, index);
        columns.push({ nodeId: source.nodeId, relation: source.nodeId === undefined ? source.relation : undefined, column: source.column, depth: current.depth + 1, state: 'traced' });
      }
      // One link however often a column names the same upstream (`a + A`).
      if (linked.has(`${index} ${at}`)) continue;
      linked.add(`${index} ${at}`);
      links.push({ from: index, to: at });
    }
  }
  return { columns, links, truncated };
}
