/**
 * The CTEs of a query (compiled SQL, or a model file whose Jinja blocks stay opaque) with their
 * ranges and dependencies, and the query that previews one of them: `with <the CTEs it needs>
 * select * from <cte>`. Token-based, so parentheses, commas and keywords inside strings, quoted
 * identifiers and comments never count.
 */
import { identifierKey, isKeyword, matchParens, significant, tokenizeSql, type SqlToken } from './sqlTokens';
import { LineIndex, type Range, type Span } from './text';

export interface CteInfo {
  /** The name as written (`orders`, `"Order Lines"`). */
  name: string;
  /** The name as DuckDB compares it (unquoted, lower case). */
  key: string;
  /** From the name to the closing parenthesis of the body. */
  span: Span;
  nameSpan: Span;
  /** Inside the body's parentheses. */
  bodySpan: Span;
  range: Range;
  nameRange: Range;
  bodyRange: Range;
  /** Declared column names, `name (a, b) as (...)`. */
  columns?: string[] | undefined;
  /** Keys of the other CTEs this one reads. */
  dependsOn: string[];
  /** False when the text ends before the body's closing parenthesis. */
  closed: boolean;
}

export interface CteListing {
  ctes: CteInfo[];
  recursive: boolean;
  /** Where the statement after the CTEs starts (the final select), if it does. */
  mainStart?: number | undefined;
}

/** Token indices of one CTE definition, for the scanners that read its body. */
export interface CteTokens {
  info: CteInfo;
  /** Index of the body's `(` and `)` in the significant tokens. */
  open: number;
  close: number;
}

/** CTE definitions of the first `with` at the top level of the tokens (comments already dropped). */
export function cteTokens(tokens: readonly SqlToken[], text: string, closing: Int32Array = matchParens(tokens), from = 0, to = tokens.length): { ctes: CteTokens[]; recursive: boolean; mainIndex?: number | undefined } {
  const lines = new LineIndex(text);
  let at = from;
  while (at < to && (tokens[at]?.kind === 'jinja' || (tokens[at]?.kind === 'punct' && tokens[at]?.text === '('))) at++;
  if (!isKeyword(tokens[at], 'with')) return { ctes: [], recursive: false };
  at++;
  const recursive = isKeyword(tokens[at], 'recursive');
  if (recursive) at++;
  const found: CteTokens[] = [];
  while (at < to) {
    // Jinja between definitions (`{% if is_incremental() %}`) is skipped, as a preview cannot render it.
    while (at < to && tokens[at]?.kind === 'jinja') at++;
    const name = tokens[at];
    if (!name || (name.kind !== 'word' && name.kind !== 'quoted') || isKeyword(name, 'select', 'from', 'insert', 'update', 'delete')) break;
    at++;
    let columns: string[] | undefined;
    if (tokens[at]?.text === '(') {
      const end = closing[at] ?? -1;
      columns = tokens.slice(at + 1, end < 0 ? to : end).filter((token) => token.kind === 'word' || token.kind === 'quoted').map((token) => (token.kind === 'quoted' ? token.value : token.text));
      at = end < 0 ? to : end + 1;
    }
    if (!isKeyword(tokens[at], 'as')) break;
    at++;
    if (isKeyword(tokens[at], 'not')) at++;
    if (isKeyword(tokens[at], 'materialized')) at++;
    const open = tokens[at];
    if (open?.text !== '(') break;
    const openIndex = at;
    const closeIndex = closing[at] ?? -1;
    const closed = closeIndex >= 0 && closeIndex < to;
    const last = closed ? (tokens[closeIndex] as SqlToken) : undefined;
    const span = { start: name.start, end: last ? last.end : text.length };
    const nameSpan = { start: name.start, end: name.end };
    const bodySpan = { start: open.end, end: last ? last.start : text.length };
    found.push({
      info: {
        name: name.text,
        key: identifierKey(name),
        span,
        nameSpan,
        bodySpan,
        range: lines.range(span),
        nameRange: lines.range(nameSpan),
        bodyRange: lines.range(bodySpan),
        columns,
        dependsOn: [],
        closed,
      },
      open: openIndex,
      close: closed ? closeIndex : to,
    });
    if (!closed) return { ctes: withDependencies(found, tokens), recursive };
    at = closeIndex + 1;
    while (at < to && tokens[at]?.kind === 'jinja') at++;
    if (tokens[at]?.text !== ',') break;
    at++;
  }
  return { ctes: withDependencies(found, tokens), recursive, mainIndex: at < to ? at : undefined };
}

/** Fills each CTE's `dependsOn`: names of other CTEs used in its body, not as a qualified name's tail. */
function withDependencies(found: CteTokens[], tokens: readonly SqlToken[]): CteTokens[] {
  const keys = new Set(found.map((cte) => cte.info.key));
  for (const cte of found) {
    const used = new Set<string>();
    for (let index = cte.open + 1; index < cte.close; index++) {
      const token = tokens[index] as SqlToken;
      if (token.kind !== 'word' && token.kind !== 'quoted') continue;
      if (tokens[index - 1]?.text === '.') continue;
      const key = identifierKey(token);
      if (keys.has(key) && key !== cte.info.key) used.add(key);
    }
    cte.info.dependsOn = [...used];
  }
  return found;
}

/** The CTEs of a query's top-level `with`, in order. */
export function listCtes(sql: string, options: { jinja?: boolean } = {}): CteListing {
  const tokens = significant(tokenizeSql(sql, { jinja: options.jinja ?? false }));
  const { ctes, recursive, mainIndex } = cteTokens(tokens, sql);
  return { ctes: ctes.map((cte) => cte.info), recursive, mainStart: mainIndex === undefined ? undefined : tokens[mainIndex]?.start };
}

/** The CTE named `name` (case-insensitive, quotes optional) and every CTE it needs, in definition order. */
export function cteClosure(listing: CteListing, name: string): CteInfo[] {
  const key = name.replace(/^"(.*)"$/, '$1').toLowerCase();
  const byKey = new Map(listing.ctes.map((cte) => [cte.key, cte]));
  if (!byKey.has(key)) throw new Error(`no CTE named ${name} in this query (it has ${listing.ctes.map((cte) => cte.name).join(', ') || 'none'})`);
  const needed = new Set<string>();
  const visit = (current: string): void => {
    if (needed.has(current)) return;
    needed.add(current);
    for (const dependency of byKey.get(current)?.dependsOn ?? []) visit(dependency);
  };
  visit(key);
  return listing.ctes.filter((cte) => needed.has(cte.key));
}

/** The query that previews one CTE of `sql`: the CTEs it needs, then `select * from` it. */
export function cteQuery(sql: string, name: string): string {
  const listing = listCtes(sql);
  const needed = cteClosure(listing, name);
  const target = needed.find((cte) => cte.key === name.replace(/^"(.*)"$/, '$1').toLowerCase()) as CteInfo;
  if (needed.some((cte) => !cte.closed)) throw new Error(`the CTE ${target.name} is not complete (a parenthesis is not closed)`);
  const definitions = needed.map((cte) => sql.slice(cte.span.start, cte.span.end)).join(',\n');
  return `with ${listing.recursive ? 'recursive ' : ''}${definitions}\nselect * from ${target.name}`;
}
