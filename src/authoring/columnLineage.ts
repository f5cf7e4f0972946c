/**
 * Column-level lineage of a model, computed locally from its compiled SQL: DuckDB parses it
 * (`json_serialize_sql`) and this walks the syntax tree, through CTEs, subqueries, joins
 * (USING and NATURAL too), aliases, `select *` (expanded with the known columns of its inputs,
 * EXCLUDE / REPLACE / RENAME honoured), set operations, aggregates, CASE, window functions,
 * lambdas and recursive CTEs, to the upstream (relation, column) pairs each output column
 * derives from. What cannot be resolved is marked unknown with the reason; SQL DuckDB cannot
 * serialize (Snowflake-only syntax, a statement other than a select) marks the model unparsed.
 */
import type { ProjectIndex } from './projectIndex';
import type { SqlAst, SqlParser } from './sqlParser';

/** A table a query reads, as compiled SQL names it. */
export interface RelationName {
  database?: string | undefined;
  schema?: string | undefined;
  table: string;
}

/** What the caller knows of an upstream relation. */
export interface LineageRelation {
  /** How it is shown: `"db"."schema"."table"`, or the node's label. */
  label: string;
  /** The manifest node it is (model, seed, snapshot, source). */
  nodeId?: string | undefined;
  /** Its columns in order, when known (catalog, YAML, or the upstream model's own lineage). */
  columns?: readonly string[] | undefined;
}

export interface ColumnSource {
  relation: string;
  nodeId?: string | undefined;
  column: string;
}

export interface ColumnLineage {
  name: string;
  /** Upstream columns the value is computed from (filters and join keys are not counted). */
  sources: ColumnSource[];
  /** copy: an upstream value passed through (maybe renamed); expression: computed; constant: from no column. */
  transform: 'copy' | 'expression' | 'constant';
  /** Why (part of) the lineage is not known; `sources` then holds what was resolved. */
  unknown?: string | undefined;
}

export type ModelLineage =
  | { status: 'parsed'; columns: ColumnLineage[]; relations: LineageRelation[] }
  | { status: 'unparsed'; reason: string };

/** Maps the tables a query names to what is known of them. */
export type RelationResolver = (name: RelationName) => LineageRelation;

type Ast = Record<string, unknown>;
const asAst = (value: unknown): Ast | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Ast) : undefined);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

interface Lin {
  sources: Map<string, ColumnSource>;
  copy: boolean;
  /** Reads rows or columns at all (false only for constants). */
  reads: boolean;
  unknown?: string | undefined;
}

interface OutCol {
  name: string;
  lin: Lin;
}

/** A relation visible in a FROM clause. */
interface Rel {
  /** Known output columns; undefined when the set of columns is not known. */
  columns?: OutCol[] | undefined;
  /** Why the columns (or some: a `*` of an unknown relation) are not known. */
  partial?: string | undefined;
  external?: LineageRelation | undefined;
  /** A table function: its columns come from these argument columns. */
  functionLin?: Lin | undefined;
}

interface Binding {
  name: string;
  rel: Rel;
  schema?: string | undefined;
}

interface Scope {
  bindings: Binding[];
  using: Set<string>;
  ctes: ReadonlyMap<string, Rel>;
  parent?: Scope | undefined;
  /** Select-list aliases defined so far (DuckDB lets later items use them). */
  aliases?: Map<string, Lin> | undefined;
}

const emptyLin = (): Lin => ({ sources: new Map(), copy: false, reads: false });
const unknownLin = (reason: string): Lin => ({ sources: new Map(), copy: false, reads: true, unknown: reason });

function sourceLin(relation: LineageRelation, column: string): Lin {
  const source: ColumnSource = { relation: relation.label, nodeId: relation.nodeId, column };
  return { sources: new Map([[`${relation.label}\u0000${column.toLowerCase()}`, source]]), copy: true, reads: true };
}

/** The lineage of several inputs combined into one value. */
function merge(lins: readonly Lin[], copy: boolean): Lin {
  const result: Lin = { sources: new Map(), copy, reads: false };
  for (const lin of lins) {
    for (const [key, source] of lin.sources) result.sources.set(key, source);
    result.reads ||= lin.reads;
    result.unknown ??= lin.unknown;
  }
  return result;
}

const findColumn = (rel: Rel, name: string): OutCol | undefined => rel.columns?.find((column) => column.name.toLowerCase() === name);

/** The lineage of `column` read from a relation; undefined when the relation surely lacks it. */
function columnOf(rel: Rel, column: string): Lin | undefined {
  const key = column.toLowerCase();
  if (rel.functionLin) return { ...merge([rel.functionLin], false), unknown: rel.functionLin.sources.size === 0 ? (rel.partial ?? 'read from a table function') : rel.functionLin.unknown };
  if (rel.external) {
    const known = rel.external.columns;
    if (!known) return sourceLin(rel.external, column);
    const actual = known.find((name) => name.toLowerCase() === key);
    return actual === undefined ? undefined : sourceLin(rel.external, actual);
  }
  const found = findColumn(rel, key);
  if (found) return found.lin;
  if (!rel.columns || rel.partial) return unknownLin(rel.partial ?? 'the columns of a relation are not known');
  return undefined;
}

const relLabel = (binding: Binding): string => binding.rel.external?.label ?? binding.name;

class LineageWalker {
  readonly relations = new Map<string, LineageRelation>();

  constructor(
    private readonly resolve: RelationResolver,
    private readonly names: ReadonlyMap<Ast, string>,
  ) {}

  private external(name: RelationName): LineageRelation {
    const relation = this.resolve(name);
    this.relations.set(relation.label, relation);
    return relation;
  }

  /** The output columns of a query node (select, set operation, recursive CTE). */
  query(node: Ast, ctes: ReadonlyMap<string, Rel>, parent?: Scope): Rel {
    const env = new Map(ctes);
    for (const entry of asList(asAst(node.cte_map)?.map)) {
      const item = asAst(entry);
      const key = text(item?.key).toLowerCase();
      const value = asAst(item?.value);
      const inner = asAst(asAst(value?.query)?.node);
      if (!key || !inner) continue;
      env.set(key, renamed(this.query(inner, env, parent), asList(value?.aliases).map(text)));
    }
    switch (node.type) {
      case 'SELECT_NODE':
        return this.select(node, env, parent);
      case 'SET_OPERATION_NODE':
        return this.setOperation(node, env, parent);
      case 'RECURSIVE_CTE_NODE': {
        const left = asAst(node.left);
        const right = asAst(node.right);
        const anchor = left ? this.query(left, env, parent) : { partial: 'an empty recursive CTE' };
        const recursive = new Map(env);
        recursive.set(text(node.cte_name).toLowerCase(), renamed(anchor, asList(node.aliases).map(text)));
        const step = right ? this.query(right, recursive, parent) : anchor;
        return union(anchor, step);
      }
      default:
        return { partial: `${text(node.type) || 'this query'} is not analysed` };
    }
  }

  private setOperation(node: Ast, env: ReadonlyMap<string, Rel>, parent?: Scope): Rel {
    const left = asAst(node.left);
    const right = asAst(node.right);
    const leftRel = left ? this.query(left, env, parent) : { partial: 'a set operation without a left side' };
    const rightRel = right ? this.query(right, env, parent) : leftRel;
    const kind = text(node.setop_type);
    // EXCEPT and INTERSECT return rows of the left side only.
    if (kind === 'EXCEPT' || kind === 'INTERSECT') return leftRel;
    if (kind === 'UNION_BY_NAME') {
      const columns = [...(leftRel.columns ?? [])];
      for (const column of rightRel.columns ?? []) {
        const match = columns.findIndex((existing) => existing.name.toLowerCase() === column.name.toLowerCase());
        if (match >= 0) columns[match] = { name: (columns[match] as OutCol).name, lin: merge([(columns[match] as OutCol).lin, column.lin], (columns[match] as OutCol).lin.copy && column.lin.copy) };
        else columns.push(column);
      }
      return { columns, partial: leftRel.partial ?? rightRel.partial };
    }
    return union(leftRel, rightRel);
  }

  private select(node: Ast, env: ReadonlyMap<string, Rel>, parent?: Scope): Rel {
    const scope: Scope = { bindings: [], using: new Set(), ctes: env, parent, aliases: new Map() };
    this.from(asAst(node.from_table), scope);
    const columns: OutCol[] = [];
    let partial: string | undefined;
    for (const raw of asList(node.select_list)) {
      const expression = asAst(raw);
      if (!expression) continue;
      if (expression.class === 'STAR') {
        const expanded = this.star(expression, scope);
        columns.push(...expanded.columns);
        partial ??= expanded.partial;
        continue;
      }
      const lin = this.expression(expression, scope, new Set());
      const alias = text(expression.alias);
      const name = alias || (expression.class === 'COLUMN_REF' ? (asList(expression.column_names).map(text).pop() ?? '') : (this.names.get(expression) ?? ''));
      const top: Lin = { ...lin, copy: expression.class === 'COLUMN_REF' && lin.copy };
      if (!name) {
        columns.push({ name: '?', lin: { ...top, unknown: top.unknown ?? 'DuckDB gives this expression no name that could be read' } });
        continue;
      }
      columns.push({ name, lin: top });
      scope.aliases?.set(name.toLowerCase(), top);
    }
    return { columns, partial };
  }

  /** `*`, `t.*`, with EXCLUDE, REPLACE and RENAME; USING columns once. */
  private star(star: Ast, scope: Scope): { columns: OutCol[]; partial?: string | undefined } {
    if (star.columns === true) return { columns: [{ name: '*', lin: unknownLin('a COLUMNS(...) expression') }], partial: 'a COLUMNS(...) expression' };
    const qualifier = text(star.relation_name).toLowerCase();
    const exclude = new Set(asList(star.exclude_list).map((item) => (typeof item === 'string' ? item : asList(asAst(item)?.column_names).map(text).pop() ?? '').toLowerCase()));
    for (const item of asList(star.qualified_exclude_list)) exclude.add((asList(asAst(item)?.column_names).map(text).pop() ?? '').toLowerCase());
    const replace = new Map<string, Ast>();
    for (const entry of asList(star.replace_list)) {
      const item = asAst(entry);
      const value = asAst(item?.value);
      if (item && value) replace.set(text(item.key).toLowerCase(), value);
    }
    const rename = new Map<string, string>();
    for (const entry of asList(star.rename_list)) {
      const item = asAst(entry);
      const key = asList(asAst(item?.key)?.column_names).map(text).pop() ?? text(item?.key);
      if (key) rename.set(key.toLowerCase(), text(item?.value));
    }
    const bindings = qualifier ? scope.bindings.filter((binding) => binding.name === qualifier) : scope.bindings;
    const columns: OutCol[] = [];
    const seenUsing = new Set<string>();
    let partial: string | undefined;
    if (qualifier && bindings.length === 0) return { columns: [{ name: '*', lin: unknownLin(`${qualifier}.* names no relation of its query`) }], partial: `${qualifier} is not in the FROM clause` };
    for (const binding of bindings) {
      const names = binding.rel.external ? binding.rel.external.columns : binding.rel.columns?.map((column) => column.name);
      if (!names || binding.rel.functionLin) {
        const reason = binding.rel.partial ?? `the columns of ${relLabel(binding)} are not known`;
        columns.push({ name: '*', lin: unknownLin(reason) });
        partial ??= reason;
        continue;
      }
      for (const name of names) {
        const key = name.toLowerCase();
        if (exclude.has(key)) continue;
        const using = !qualifier && scope.using.has(key);
        if (using) {
          if (seenUsing.has(key)) continue;
          seenUsing.add(key);
        }
        const replacement = replace.get(key);
        // A USING column is one column holding the value of every side of the join.
        const sides = using ? bindings.flatMap((side) => (side.rel.external?.columns ?? side.rel.columns?.map((column) => column.name) ?? []).some((column) => column.toLowerCase() === key) ? [columnOf(side.rel, name) ?? unknownLin(`no column ${name}`)] : []) : [];
        const lin = replacement ? { ...this.expression(replacement, scope, new Set()), copy: false } : using ? merge(sides, sides.every((side) => side.copy)) : (columnOf(binding.rel, name) ?? unknownLin(`no column ${name}`));
        columns.push({ name: rename.get(key) ?? name, lin });
      }
      if (binding.rel.partial) partial ??= binding.rel.partial;
    }
    return { columns, partial };
  }

  /** Adds the bindings of a FROM item to the scope. */
  private from(table: Ast | undefined, scope: Scope): void {
    if (!table) return;
    const alias = text(table.alias).toLowerCase();
    const columnAliases = asList(table.column_name_alias).map(text);
    switch (table.type) {
      case 'EMPTY':
        return;
      case 'BASE_TABLE': {
        const name = text(table.table_name);
        const schema = text(table.schema_name);
        const database = text(table.catalog_name);
        const cte = !schema && !database ? scope.ctes.get(name.toLowerCase()) ?? lookupCte(scope, name.toLowerCase()) : undefined;
        const rel: Rel = cte ?? { external: this.external({ database: database || undefined, schema: schema || undefined, table: name }) };
        scope.bindings.push({ name: alias || name.toLowerCase(), rel: renamed(rel, columnAliases), schema: schema.toLowerCase() || undefined });
        return;
      }
      case 'SUBQUERY': {
        const inner = asAst(asAst(table.subquery)?.node);
        // A subquery in FROM may read the relations before it (LATERAL).
        const rel = inner ? this.query(inner, scope.ctes, scope) : { partial: 'an empty subquery' };
        scope.bindings.push({ name: alias || 'unnamed_subquery', rel: renamed(rel, columnAliases) });
        return;
      }
      case 'JOIN': {
        this.from(asAst(table.left), scope);
        const before = scope.bindings.length;
        this.from(asAst(table.right), scope);
        for (const column of asList(table.using_columns)) scope.using.add(text(column).toLowerCase());
        if (table.ref_type === 'NATURAL') {
          const names = (bindings: Binding[]): Set<string> => new Set(bindings.flatMap((binding) => (binding.rel.external?.columns ?? binding.rel.columns?.map((column) => column.name) ?? []).map((name) => name.toLowerCase())));
          const left = names(scope.bindings.slice(0, before));
          for (const name of names(scope.bindings.slice(before))) if (left.has(name)) scope.using.add(name);
        }
        return;
      }
      case 'TABLE_FUNCTION': {
        const fn = asAst(table.function);
        const lin = fn ? this.expression(fn, scope, new Set()) : emptyLin();
        const rel: Rel = { functionLin: lin, partial: `read from the table function ${text(fn?.function_name)}()` };
        if (columnAliases.length > 0) rel.columns = columnAliases.map((name) => ({ name, lin: { ...lin, copy: false } }));
        scope.bindings.push({ name: alias || text(fn?.function_name).toLowerCase(), rel });
        return;
      }
      case 'EXPRESSION_LIST': {
        const rows = asList(table.values).map(asList);
        const width = rows[0]?.length ?? 0;
        const columns: OutCol[] = [];
        for (let index = 0; index < width; index++) {
          const lin = merge(
            rows.map((row) => this.expression(asAst(row[index]) ?? {}, scope, new Set())),
            false,
          );
          columns.push({ name: columnAliases[index] ?? `col${index}`, lin });
        }
        scope.bindings.push({ name: alias || 'valueslist', rel: { columns } });
        return;
      }
      default:
        scope.bindings.push({ name: alias || text(table.type).toLowerCase(), rel: { partial: `a ${text(table.type).toLowerCase().replace(/_/g, ' ')} in FROM is not analysed` } });
    }
  }

  /** The lineage of an expression; `locals` are lambda parameters in scope. */
  expression(expression: Ast, scope: Scope, locals: ReadonlySet<string>): Lin {
    switch (expression.class) {
      case 'COLUMN_REF': {
        const parts = asList(expression.column_names).map(text);
        if (parts.length === 1 && locals.has((parts[0] as string).toLowerCase())) return emptyLin();
        return this.column(parts, scope);
      }
      case 'CONSTANT':
      case 'PARAMETER':
        return emptyLin();
      case 'STAR':
        return unknownLin(expression.columns === true ? 'a COLUMNS(...) expression' : 'a * inside an expression');
      case 'SUBQUERY': {
        const inner = asAst(asAst(expression.subquery)?.node);
        const rel = inner ? this.query(inner, scope.ctes, scope) : { partial: 'an empty subquery' };
        const child = asAst(expression.child);
        const parts: Lin[] = child ? [this.expression(child, scope, locals)] : [];
        // EXISTS yields a boolean about rows, not a value of them.
        if (expression.subquery_type !== 'EXISTS' && expression.subquery_type !== 'NOT_EXISTS') parts.push(...(rel.columns ?? []).map((column) => column.lin));
        if (!rel.columns && rel.partial) parts.push(unknownLin(rel.partial));
        return { ...merge(parts, false), reads: true };
      }
      case 'LAMBDA': {
        const params = new Set(locals);
        const lhs = asAst(expression.lhs);
        const collect = (value: unknown): void => {
          const item = asAst(value);
          if (!item) return asList(value).forEach(collect);
          if (item.class === 'COLUMN_REF') for (const part of asList(item.column_names)) params.add(text(part).toLowerCase());
          else Object.values(item).forEach(collect);
        };
        collect(lhs);
        const body = asAst(expression.expr);
        return body ? { ...this.expression(body, scope, params), copy: false } : emptyLin();
      }
      default: {
        const parts: Lin[] = [];
        const visit = (value: unknown): void => {
          if (Array.isArray(value)) return value.forEach(visit);
          const item = asAst(value);
          if (!item) return;
          if (typeof item.class === 'string') parts.push(this.expression(item, scope, locals));
          else Object.values(item).forEach(visit);
        };
        for (const [key, value] of Object.entries(expression)) if (key !== 'class' && key !== 'type') visit(value);
        const lin = merge(parts, false);
        // count(*), row_number(): computed from rows, not from a column.
        if (expression.class === 'WINDOW' || text(expression.function_name) === 'count_star') lin.reads = true;
        return lin;
      }
    }
  }

  /** The lineage of a column reference `[qualifier..., column, field...]` in a scope and those around it. */
  private column(parts: string[], scope: Scope): Lin {
    const lower = parts.map((part) => part.toLowerCase());
    for (let current: Scope | undefined = scope; current; current = current.parent) {
      const found = this.columnIn(lower, parts, current);
      if (found) return found;
    }
    return unknownLin(`no relation of its query has a column ${parts.join('.')}`);
  }

  private columnIn(lower: string[], parts: string[], scope: Scope): Lin | undefined {
    // Qualified: `t.c`, `s.t.c`, `d.s.t.c` (and any trailing struct fields).
    for (let qualified = Math.min(3, lower.length - 1); qualified >= 1; qualified--) {
      const table = lower[qualified - 1] as string;
      const schema = qualified >= 2 ? lower[qualified - 2] : undefined;
      const binding = scope.bindings.find((candidate) => candidate.name === table && (!schema || candidate.schema === schema));
      if (!binding) continue;
      const column = parts[qualified] as string;
      const lin = columnOf(binding.rel, column);
      if (!lin) return unknownLin(`${relLabel(binding)} has no column ${column}`);
      return qualified + 1 < parts.length ? { ...lin, copy: false } : lin;
    }
    // Unqualified (or a struct field of an unqualified column).
    const name = lower[0] as string;
    const matches = scope.bindings.filter((binding) => (binding.rel.external?.columns ?? binding.rel.columns?.map((column) => column.name) ?? []).some((column) => column.toLowerCase() === name));
    const field = parts.length > 1;
    if (matches.length === 1 || (matches.length > 1 && scope.using.has(name))) {
      const lins = matches.map((binding) => columnOf(binding.rel, parts[0] as string) ?? unknownLin(`no column ${parts[0] ?? ''}`));
      const lin = matches.length === 1 ? (lins[0] as Lin) : merge(lins, true);
      return field ? { ...lin, copy: false } : lin;
    }
    if (matches.length > 1) return unknownLin(`${parts[0] ?? ''} is ambiguous: ${matches.map(relLabel).join(', ')} all have it`);
    const alias = scope.aliases?.get(name);
    if (alias) return alias;
    // A relation whose columns are not known may be the one: the only candidate takes it.
    const open = scope.bindings.filter((binding) => (binding.rel.external ? !binding.rel.external.columns : !binding.rel.columns || !!binding.rel.partial || !!binding.rel.functionLin));
    if (open.length === 1) return columnOf((open[0] as Binding).rel, parts[0] as string);
    if (open.length > 1) return unknownLin(`${parts[0] ?? ''} may come from ${open.map(relLabel).join(' or ')}, whose columns are not known`);
    return undefined;
  }
}

/** A CTE visible from an enclosing scope (a subquery's FROM naming the outer query's CTE). */
function lookupCte(scope: Scope, key: string): Rel | undefined {
  for (let current: Scope | undefined = scope.parent; current; current = current.parent) {
    const found = current.ctes.get(key);
    if (found) return found;
  }
  return undefined;
}

/** A relation with its columns renamed by position (`t(a, b)`, a CTE's `name(a, b)`). */
function renamed(rel: Rel, aliases: readonly string[]): Rel {
  if (aliases.length === 0) return rel;
  if (rel.external) {
    const columns = rel.external.columns;
    if (!columns) return rel;
    const external = rel.external;
    return { columns: columns.map((name, index) => ({ name: aliases[index] ?? name, lin: sourceLin(external, name) })) };
  }
  if (!rel.columns) return rel;
  return { ...rel, columns: rel.columns.map((column, index) => ({ name: aliases[index] ?? column.name, lin: column.lin })) };
}

/** Columns of a UNION: names from the left, lineage of both sides by position. */
function union(left: Rel, right: Rel): Rel {
  if (!left.columns) return left;
  const columns = left.columns.map((column, index) => {
    const other = right.columns?.[index];
    return { name: column.name, lin: other ? merge([column.lin, other.lin], column.lin.copy && other.lin.copy) : column.lin };
  });
  return { columns, partial: left.partial ?? right.partial ?? (right.columns ? undefined : 'the right side of a union has unknown columns') };
}

/** The select-list expressions that have no alias and are not plain columns: DuckDB names them. */
function unnamedExpressions(root: unknown): Ast[] {
  const found: Ast[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    const item = asAst(value);
    if (!item) return;
    if (Array.isArray(item.select_list)) {
      for (const entry of item.select_list) {
        const expression = asAst(entry);
        if (expression && !text(expression.alias) && expression.class !== 'COLUMN_REF' && expression.class !== 'STAR') found.push(expression);
      }
    }
    Object.values(item).forEach(visit);
  };
  visit(root);
  return found;
}

function toLineage(column: OutCol): ColumnLineage {
  const sources = [...column.lin.sources.values()];
  const transform = column.lin.copy && sources.length > 0 ? 'copy' : sources.length === 0 && !column.lin.reads ? 'constant' : 'expression';
  return { name: column.name, sources, transform, unknown: column.lin.unknown };
}

/** Lineage of a statement already parsed (the last statement of the SQL is the model's). */
export function lineageOfAst(statement: SqlAst, resolve: RelationResolver, names: ReadonlyMap<SqlAst, string> = new Map()): ModelLineage {
  const walker = new LineageWalker(resolve, names);
  const rel = walker.query(statement, new Map());
  const columns = (rel.columns ?? [{ name: '*', lin: unknownLin(rel.partial ?? 'no columns') }]).map(toLineage);
  return { status: 'parsed', columns, relations: [...walker.relations.values()] };
}

/** Column lineage of compiled SQL: parsed by DuckDB, relations mapped by `resolve`. */
export async function columnLineage(sql: string, parser: SqlParser, resolve: RelationResolver): Promise<ModelLineage> {
  const parsed = await parser.parse(sql);
  if (!parsed.ok) return { status: 'unparsed', reason: parsed.error.split('\n')[0] ?? parsed.error };
  const statement = parsed.statements[parsed.statements.length - 1];
  if (!statement) return { status: 'unparsed', reason: 'the SQL holds no statement' };
  const names = new Map<SqlAst, string>();
  for (const expression of unnamedExpressions(statement)) {
    const name = await parser.expressionName(expression);
    if (name !== undefined) names.set(expression, name);
  }
  return lineageOfAst(statement, resolve, names);
}

const quoteName = (part: string): string => `"${part.replace(/"/g, '""')}"`;

/**
 * A resolver over the project index: a table of compiled SQL is the manifest node with that
 * database, schema and identifier, its columns those of the catalog (else YAML), unless
 * `columnsOf` (e.g. the upstream model's own lineage) knows better.
 */
export function indexResolver(index: ProjectIndex, columnsOf?: (nodeId: string) => readonly string[] | undefined): RelationResolver {
  return (name) => {
    const label = [name.database, name.schema, name.table].filter((part): part is string => !!part).map(quoteName).join('.');
    const node = name.schema ? index.byRelation(name.database, name.schema, name.table) : undefined;
    if (!node) return { label };
    const derived = columnsOf?.(node.uniqueId);
    const columns = node.columnsFrom === 'catalog' ? node.columns.filter((column) => column.origin !== 'yaml').map((column) => column.name) : (derived ?? (node.columnsFrom === 'yaml' ? node.columns.map((column) => column.name) : undefined));
    return { label, nodeId: node.uniqueId, columns };
  };
}

/** The models of the index in dependency order (parents first), for lineage that feeds its children. */
export function modelsInOrder(index: ProjectIndex): string[] {
  const order: string[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (id: string): void => {
    if (state.get(id)) return;
    state.set(id, 1);
    for (const parent of index.nodes.get(id)?.parents ?? []) if (index.nodes.has(parent)) visit(parent);
    state.set(id, 2);
    order.push(id);
  };
  for (const id of [...index.nodes.keys()].sort()) visit(id);
  return order.filter((id) => {
    const node = index.nodes.get(id);
    return node?.kind === 'model' || node?.kind === 'snapshot';
  });
}

/**
 * Lineage of every model (and snapshot) with compiled SQL, parents first, so that a model without
 * catalog columns gets the columns its parent's lineage found. Models not compiled are left out.
 */
export async function projectLineage(index: ProjectIndex, parser: SqlParser, ids: readonly string[] = modelsInOrder(index)): Promise<Map<string, ModelLineage>> {
  const results = new Map<string, ModelLineage>();
  const derived = (nodeId: string): readonly string[] | undefined => {
    const lineage = results.get(nodeId);
    if (lineage?.status !== 'parsed' || lineage.columns.some((column) => column.name === '*' || column.name === '?')) return undefined;
    return lineage.columns.map((column) => column.name);
  };
  const resolve = indexResolver(index, derived);
  for (const id of ids) {
    const sql = index.nodes.get(id)?.compiledCode;
    if (sql === undefined) continue;
    results.set(id, await columnLineage(sql, parser, resolve));
  }
  return results;
}
