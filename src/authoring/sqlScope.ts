/**
 * A tolerant reading of a model's SQL (Jinja left in place) for column completion: which relation
 * or CTE an alias stands for in the query around a position, and which columns that relation has.
 * Relations come from FROM and JOIN clauses (`{{ ref() }}`, `{{ source() }}`, CTE names,
 * subqueries, tables); a CTE's or subquery's columns from its select list where it is explicit,
 * else from the relation it selects from. Never throws on half-written SQL: what cannot be read
 * is left out and the result says it is incomplete.
 */
import { cteTokens, type CteTokens } from './ctes';
import { scanJinja, type JinjaReference } from './jinja';
import type { IndexedColumn, IndexedNode, ProjectIndex } from './projectIndex';
import { identifierKey, isKeyword, matchParens, significant, tokenizeSql, type SqlToken } from './sqlTokens';

export type BindingTarget =
  | { kind: 'cte'; key: string }
  | { kind: 'node'; node: IndexedNode }
  | { kind: 'subquery'; open: number; close: number }
  | { kind: 'table'; parts: string[] }
  | { kind: 'unknown'; reason: string };

export interface Binding {
  /** The alias (or the relation's own name) as DuckDB compares it. */
  key: string;
  name: string;
  target: BindingTarget;
}

export interface ScopeColumn {
  name: string;
  type?: string | undefined;
  description?: string | undefined;
  /** Where the column is defined: a node's label, a CTE's name, `subquery`. */
  from?: string | undefined;
}

export interface ScopeColumns {
  columns: ScopeColumn[];
  /** False when part of the list could not be read (a macro that writes columns, an unknown relation). */
  complete: boolean;
  /** Why the list is incomplete or empty. */
  reason?: string | undefined;
}

const CLAUSE_END = new Set(['where', 'group', 'having', 'qualify', 'order', 'limit', 'window', 'union', 'intersect', 'except', 'select', 'offset', 'fetch', 'returning']);
const NOT_ALIAS = new Set([...CLAUSE_END, 'on', 'using', 'join', 'left', 'right', 'inner', 'outer', 'full', 'cross', 'natural', 'lateral', 'as', 'pivot', 'unpivot', 'asof', 'positional', 'anti', 'semi', 'tablesample', 'using', 'from', 'with', 'and', 'or']);
const JOIN_WORDS = new Set(['join', 'from']);

/** A model file read once: tokens, parentheses, CTEs and the Jinja references of each block. */
export class SqlScope {
  readonly tokens: SqlToken[];
  readonly closing: Int32Array;
  readonly ctes: Map<string, CteTokens>;
  private readonly opening: Int32Array;
  private readonly jinja: JinjaReference[];

  constructor(readonly text: string, readonly index: ProjectIndex | undefined) {
    this.tokens = significant(tokenizeSql(text));
    this.closing = matchParens(this.tokens);
    this.opening = new Int32Array(this.tokens.length).fill(-1);
    this.closing.forEach((close, open) => {
      if (close >= 0) this.opening[close] = open;
    });
    this.ctes = new Map();
    this.collectCtes(0, this.tokens.length);
    this.jinja = scanJinja(text);
  }

  /** Every CTE of the file, also those of nested `with`s (a later one of the same name wins). */
  private collectCtes(from: number, to: number): void {
    for (let index = from; index < to; index++) {
      if (!isKeyword(this.tokens[index], 'with')) continue;
      const { ctes } = cteTokens(this.tokens, this.text, this.closing, index, to);
      for (const cte of ctes) this.ctes.set(cte.info.key, cte);
    }
  }

  /** Index of the last token that starts before `offset`. */
  tokenBefore(offset: number): number {
    let low = 0;
    let high = this.tokens.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.tokens[middle] as SqlToken).start < offset) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  }

  /** The token range [from, to) of the innermost query around token `at`: a parenthesised query, else the whole text. */
  private queryAround(at: number): { from: number; to: number; open: number } {
    for (let index = at; index >= 0; index--) {
      const token = this.tokens[index] as SqlToken;
      if (token.kind !== 'punct') continue;
      if (token.text === ')' && index !== at) {
        const start = this.opening[index] ?? -1;
        if (start >= 0) index = start;
        continue;
      }
      if (token.text === '(') {
        const close = this.closing[index] ?? -1;
        const end = close < 0 ? this.tokens.length : close;
        // Only a parenthesised query is a scope; a function's parentheses are not.
        if (isKeyword(this.tokens[index + 1], 'select', 'with', 'from')) return { from: index + 1, to: end, open: index };
      }
    }
    return { from: 0, to: this.tokens.length, open: -1 };
  }

  /** The segment of a query (between set operators at its own level) that holds token `at`. */
  private segment(from: number, to: number, at: number): { from: number; to: number } {
    let start = from;
    for (let index = from; index < to; index++) {
      const token = this.tokens[index] as SqlToken;
      if (token.text === '(') {
        const close = this.closing[index] ?? -1;
        if (close < 0) break;
        index = close;
        continue;
      }
      if (isKeyword(token, 'union', 'intersect', 'except')) {
        if (at < index) return { from: start, to: index };
        start = index + 1;
      }
    }
    return { from: start, to };
  }

  /** The FROM and JOIN relations of tokens [from, to) at their own level. */
  bindings(from: number, to: number): Binding[] {
    const bindings: Binding[] = [];
    let expecting = false;
    let inFrom = false;
    for (let index = from; index < to; index++) {
      const token = this.tokens[index] as SqlToken;
      if (token.text === '(' && !expecting) {
        const close = this.closing[index] ?? -1;
        if (close < 0) break;
        index = close;
        continue;
      }
      if (token.kind === 'word' && JOIN_WORDS.has(token.value)) {
        expecting = true;
        inFrom = true;
        continue;
      }
      if (token.kind === 'word' && CLAUSE_END.has(token.value)) {
        inFrom = false;
        expecting = false;
        continue;
      }
      if (inFrom && token.text === ',') {
        expecting = true;
        continue;
      }
      if (!expecting) continue;
      if (isKeyword(token, 'lateral')) continue;
      expecting = false;
      const read = this.relationItem(index, to);
      if (read.binding) bindings.push(read.binding);
      index = read.next - 1;
    }
    return bindings;
  }

  /** Reads one FROM item starting at token `at`: the relation, then its alias. */
  private relationItem(at: number, to: number): { binding?: Binding | undefined; next: number } {
    const token = this.tokens[at] as SqlToken;
    let target: BindingTarget;
    let name: string;
    let next = at + 1;
    if (token.kind === 'jinja') {
      const reference = this.jinja.find((candidate) => candidate.span.start >= token.start && candidate.span.end <= token.end && (candidate.kind === 'ref' || candidate.kind === 'source'));
      const node = reference && this.resolveReference(reference);
      if (reference?.kind === 'ref') name = reference.name;
      else if (reference?.kind === 'source') name = reference.table ?? reference.source;
      else name = '';
      target = node ? { kind: 'node', node } : { kind: 'unknown', reason: reference ? `${token.text.trim()} is not in the manifest` : 'a macro writes this relation' };
    } else if (token.text === '(') {
      const close = this.closing[at] ?? -1;
      const end = close < 0 ? to : close;
      target = { kind: 'subquery', open: at, close: end };
      name = '';
      next = end + 1;
    } else if (token.kind === 'word' || token.kind === 'quoted') {
      const parts = [token];
      while (this.tokens[next]?.text === '.' && (this.tokens[next + 1]?.kind === 'word' || this.tokens[next + 1]?.kind === 'quoted')) {
        parts.push(this.tokens[next + 1] as SqlToken);
        next += 2;
      }
      const last = parts[parts.length - 1] as SqlToken;
      name = last.kind === 'quoted' ? last.value : last.text;
      if (this.tokens[next]?.text === '(') {
        const close = this.closing[next] ?? -1;
        next = close < 0 ? to : close + 1;
        target = { kind: 'unknown', reason: `${name}() is a table function` };
      } else if (parts.length === 1 && this.ctes.has(identifierKey(token))) {
        target = { kind: 'cte', key: identifierKey(token) };
      } else {
        target = { kind: 'table', parts: parts.map((part) => (part.kind === 'quoted' ? part.value : part.text)) };
      }
    } else {
      return { next: at + 1 };
    }
    if (isKeyword(this.tokens[next], 'as')) next++;
    const alias = this.tokens[next];
    if (alias && ((alias.kind === 'word' && !NOT_ALIAS.has(alias.value)) || alias.kind === 'quoted')) {
      name = alias.kind === 'quoted' ? alias.value : alias.text;
      next++;
      // A column alias list, `t(a, b)`.
      if (this.tokens[next]?.text === '(') next = (this.closing[next] ?? to - 1) + 1;
    }
    return { binding: name ? { key: name.toLowerCase(), name, target } : undefined, next };
  }

  private resolveReference(reference: JinjaReference): IndexedNode | undefined {
    if (!this.index) return undefined;
    if (reference.kind === 'ref') return this.index.ref(reference.name, reference.package, reference.version);
    if (reference.kind === 'source' && reference.table) return this.index.source(reference.source, reference.table);
    return undefined;
  }

  /**
   * The relation an alias stands for at token `at`: the FROM/JOIN of the enclosing query, then of
   * the queries around it (a correlated subquery), then a CTE or model of that name.
   */
  resolveAlias(alias: string, at: number): BindingTarget | undefined {
    const key = alias.toLowerCase();
    let probe = at;
    for (;;) {
      const query = this.queryAround(probe);
      const segment = this.segment(query.from, query.to, at);
      const found = this.bindings(segment.from, segment.to).find((binding) => binding.key === key);
      if (found) return found.target;
      if (query.open < 0) break;
      probe = query.open - 1;
      if (probe < 0) break;
    }
    if (this.ctes.has(key)) return { kind: 'cte', key };
    const node = this.index?.ref(alias);
    return node ? { kind: 'node', node } : undefined;
  }

  /** The columns of a relation, `depth` guarding against CTEs that read each other in circles. */
  columnsOf(target: BindingTarget, depth = 0): ScopeColumns {
    if (depth > 12) return { columns: [], complete: false, reason: 'too many nested relations' };
    switch (target.kind) {
      case 'node':
        return {
          columns: target.node.columns.map((column: IndexedColumn) => ({ name: column.name, type: column.type, description: column.description, from: target.node.label })),
          complete: target.node.columnsFrom === 'catalog',
          reason: target.node.columnsFrom === 'none' ? `${target.node.label} has no known columns (no catalog, none documented)` : target.node.columnsFrom === 'yaml' ? `only the columns documented in YAML` : undefined,
        };
      case 'cte': {
        const cte = this.ctes.get(target.key);
        if (!cte) return { columns: [], complete: false, reason: `no CTE ${target.key}` };
        if (cte.info.columns) return { columns: cte.info.columns.map((name) => ({ name, from: cte.info.name })), complete: true };
        return this.selectColumns(cte.open + 1, cte.close, depth, cte.info.name);
      }
      case 'subquery':
        return this.selectColumns(target.open + 1, target.close, depth, 'subquery');
      case 'table': {
        const parts = target.parts;
        const node = parts.length >= 2 ? this.index?.byRelation(parts.length >= 3 ? parts[parts.length - 3] : undefined, parts[parts.length - 2] as string, parts[parts.length - 1] as string) : undefined;
        if (node) return this.columnsOf({ kind: 'node', node }, depth + 1);
        return { columns: [], complete: false, reason: `${parts.join('.')} is not a known relation` };
      }
      case 'unknown':
        return { columns: [], complete: false, reason: target.reason };
    }
  }

  /** The output columns of the query in tokens [from, to): its final select list. */
  private selectColumns(from: number, to: number, depth: number, owner: string): ScopeColumns {
    let start = from;
    // A query with its own `with`: its columns are those of the statement after the CTEs.
    if (isKeyword(this.tokens[start], 'with')) {
      const { mainIndex } = cteTokens(this.tokens, this.text, this.closing, start, to);
      if (mainIndex === undefined) return { columns: [], complete: false, reason: `${owner} has no select yet` };
      start = mainIndex;
    }
    const segment = this.segment(start, to, start);
    let select = -1;
    let fromIndex = segment.to;
    for (let index = segment.from; index < segment.to; index++) {
      const token = this.tokens[index] as SqlToken;
      if (token.text === '(') {
        index = this.closing[index] ?? segment.to;
        if (index < 0) break;
        continue;
      }
      if (select < 0 && isKeyword(token, 'select')) select = index;
      else if (select >= 0 && isKeyword(token, 'from')) {
        fromIndex = index;
        break;
      }
    }
    const bindings = this.bindings(segment.from, segment.to);
    // `from x select ...` (DuckDB) or no select at all: everything of the relation.
    if (select < 0) {
      if (bindings.length === 1) return this.columnsOf((bindings[0] as Binding).target, depth + 1);
      return { columns: [], complete: false, reason: `${owner} has no select list` };
    }
    const items: SqlToken[][] = [[]];
    let at = select + 1;
    if (isKeyword(this.tokens[at], 'distinct', 'all')) {
      at++;
      if (isKeyword(this.tokens[at], 'on') && this.tokens[at + 1]?.text === '(') at = (this.closing[at + 1] ?? fromIndex) + 1;
    }
    for (let index = at; index < fromIndex; index++) {
      const token = this.tokens[index] as SqlToken;
      if (token.text === ',') {
        items.push([]);
        continue;
      }
      (items[items.length - 1] as SqlToken[]).push(token);
      if (token.text === '(') {
        const close = this.closing[index] ?? -1;
        if (close < 0 || close >= fromIndex) break;
        for (let inner = index + 1; inner <= close; inner++) (items[items.length - 1] as SqlToken[]).push(this.tokens[inner] as SqlToken);
        index = close;
      }
    }
    const result: ScopeColumns = { columns: [], complete: true };
    const incomplete = (reason: string): void => {
      result.complete = false;
      result.reason ??= reason;
    };
    const expand = (binding: Binding | undefined, exclude: Set<string>): void => {
      if (!binding) return incomplete(`${owner} selects * from an unknown relation`);
      const inner = this.columnsOf(binding.target, depth + 1);
      for (const column of inner.columns) if (!exclude.has(column.name.toLowerCase())) result.columns.push(column);
      if (!inner.complete) incomplete(inner.reason ?? `the columns of ${binding.name} are not all known`);
    };
    for (const item of items) {
      if (item.length === 0) continue;
      const first = item[0] as SqlToken;
      const last = item[item.length - 1] as SqlToken;
      const starAt = item.findIndex((token) => token.text === '*');
      const isStar = starAt === 0 || (starAt === 2 && item[1]?.text === '.');
      if (isStar) {
        const exclude = new Set<string>();
        const excludeAt = item.findIndex((token) => isKeyword(token, 'exclude'));
        if (excludeAt >= 0) for (const token of item.slice(excludeAt + 1)) if (token.kind === 'word' || token.kind === 'quoted') exclude.add(identifierKey(token));
        if (starAt === 0) for (const binding of bindings) expand(binding, exclude);
        else expand(bindings.find((binding) => binding.key === identifierKey(first)), exclude);
        continue;
      }
      if (item.every((token) => token.kind === 'jinja')) {
        incomplete(`a macro writes columns of ${owner}`);
        continue;
      }
      let name: string | undefined;
      const before = item[item.length - 2];
      if ((last.kind === 'word' || last.kind === 'quoted') && !isKeyword(last, 'end') && item.length >= 2 && (isKeyword(before, 'as') || (before && (before.text === ')' || before.kind === 'word' || before.kind === 'quoted' || before.kind === 'string' || before.kind === 'number' || before.kind === 'jinja') && before.text !== '.'))) {
        name = last.kind === 'quoted' ? last.value : last.text;
      } else if ((last.kind === 'word' || last.kind === 'quoted') && item.every((token, index) => (index % 2 === 0 ? token.kind === 'word' || token.kind === 'quoted' : token.text === '.'))) {
        name = last.kind === 'quoted' ? last.value : last.text;
        // A column passed through keeps its type and description.
        const binding = item.length === 3 ? bindings.find((candidate) => candidate.key === identifierKey(first)) : bindings.length === 1 ? bindings[0] : undefined;
        const known = binding && this.columnsOf(binding.target, depth + 1).columns.find((column) => column.name.toLowerCase() === name?.toLowerCase());
        if (known) {
          result.columns.push({ ...known, name, from: owner });
          continue;
        }
      }
      if (name) result.columns.push({ name, from: owner });
      else incomplete(`an expression of ${owner} has no name`);
    }
    return result;
  }
}
