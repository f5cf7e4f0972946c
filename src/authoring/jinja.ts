/**
 * What the Jinja of a dbt file refers to: `ref`, `source`, `doc`, macro calls (`{{ m() }}`,
 * `{% call m() %}`, `pkg.m()`), `adapter.dispatch('m')` targets and `{% macro m() %}`
 * definitions, each with the exact offsets of its call and of its names. Strings inside a block
 * are honoured (a `}}` in a string does not end it) and unfinished text is scanned as far as it
 * goes, so this works while the user types. Pure, no index: resolving names is projectIndex's job.
 */
import { isYamlFile } from '../dbt/projectFiles';
import { jinjaBlockEnd, pythonStringEnd } from './sqlTokens';
import type { Span } from './text';

export interface RefReference {
  kind: 'ref';
  /** The whole call, `ref(` to `)`. */
  span: Span;
  name: string;
  /** The model name inside its quotes. */
  nameSpan: Span;
  package?: string | undefined;
  packageSpan?: Span | undefined;
  /** `v=` / `version=`, as written. */
  version?: string | undefined;
}

export interface SourceReference {
  kind: 'source';
  span: Span;
  source: string;
  sourceSpan: Span;
  table?: string | undefined;
  tableSpan?: Span | undefined;
}

export interface MacroCallReference {
  kind: 'macro';
  span: Span;
  name: string;
  /** `pkg` of `pkg.m()`, or the namespace of an `adapter.dispatch('m', 'pkg')`. */
  package?: string | undefined;
  /** The macro's name as written (`m` of `pkg.m`, or the string inside `dispatch('m')`). */
  nameSpan: Span;
  /** An `adapter.dispatch` target: it resolves to the adapter's implementations. */
  dispatch: boolean;
}

export interface DocReference {
  kind: 'doc';
  span: Span;
  name: string;
  nameSpan: Span;
  package?: string | undefined;
}

export interface MacroDefinition {
  kind: 'macroDefinition';
  span: Span;
  /** The macro's name as dbt registers it (`test_x` for `{% test x() %}`). */
  name: string;
  nameSpan: Span;
}

export type JinjaReference = RefReference | SourceReference | MacroCallReference | DocReference | MacroDefinition;

interface PyToken {
  kind: 'name' | 'string' | 'number' | 'op';
  start: number;
  end: number;
  /** A string's content (escapes resolved), else the text. */
  value: string;
  closed: boolean;
}

/** Python/Jinja tokens of text[from, to). */
function tokenizeExpression(text: string, from: number, to: number): PyToken[] {
  const tokens: PyToken[] = [];
  let at = from;
  while (at < to) {
    const char = text[at] as string;
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      at++;
    } else if (char === '"' || char === "'") {
      const { end, closed } = pythonStringEnd(text, at);
      const stop = Math.min(end, to);
      const inner = text.slice(at + 1, closed && end <= to ? stop - 1 : stop);
      tokens.push({ kind: 'string', start: at, end: stop, value: inner.replace(/\\(.)/g, '$1'), closed: closed && end <= to });
      at = stop;
    } else if (/[A-Za-z_]/.test(char)) {
      let end = at + 1;
      while (end < to && /\w/.test(text[end] as string)) end++;
      tokens.push({ kind: 'name', start: at, end, value: text.slice(at, end), closed: true });
      at = end;
    } else if (/\d/.test(char)) {
      let end = at + 1;
      while (end < to && /[\d.]/.test(text[end] as string)) end++;
      tokens.push({ kind: 'number', start: at, end, value: text.slice(at, end), closed: true });
      at = end;
    } else {
      tokens.push({ kind: 'op', start: at, end: at + 1, value: char, closed: true });
      at++;
    }
  }
  return tokens;
}

// Jinja statements and tests: never macro calls.
const KEYWORDS = new Set(['if', 'elif', 'else', 'for', 'in', 'not', 'and', 'or', 'is', 'set', 'do', 'call', 'macro', 'test', 'materialization', 'filter', 'with', 'block', 'extends', 'include', 'import', 'from', 'as', 'recursive', 'true', 'false', 'none', 'True', 'False', 'None']);
// Context functions and objects of dbt's Jinja that are not macros of the manifest.
const BUILTINS = new Set(['ref', 'source', 'doc', 'config', 'var', 'env_var', 'return', 'log', 'print', 'range', 'dict', 'list', 'zip', 'caller', 'super', 'namespace', 'cycler', 'joiner', 'lipsum', 'tojson', 'fromjson', 'toyaml', 'fromyaml', 'local_md5', 'set', 'set_strict', 'try_or_compiler_error', 'diff_of_two_dicts', 'select_from', 'debug', 'write', 'render', 'api', 'exceptions', 'modules', 'adapter', 'this', 'target', 'graph', 'context', 'builtins', 'loop', 'model', 'flags', 'selected_resources']);

interface Argument {
  /** Keyword of a `key=value` argument. */
  key?: string | undefined;
  /** The value's single token, when the value is one token. */
  token?: PyToken | undefined;
}

/** The arguments of a call whose `(` is tokens[open]; `close` is the index of its `)` (or tokens.length). */
function argumentsOf(tokens: readonly PyToken[], open: number): { args: Argument[]; close: number } {
  const args: Argument[] = [];
  let depth = 0;
  let current: PyToken[] = [];
  const finish = (): void => {
    if (current.length === 0) return;
    const keyed = current.length >= 2 && current[0]?.kind === 'name' && current[1]?.value === '=' && current[2]?.value !== '=';
    const valueTokens = keyed ? current.slice(2) : current;
    args.push({ key: keyed ? current[0]?.value : undefined, token: valueTokens.length === 1 ? valueTokens[0] : undefined });
    current = [];
  };
  for (let index = open + 1; index < tokens.length; index++) {
    const token = tokens[index] as PyToken;
    if (token.kind === 'op' && '([{'.includes(token.value)) depth++;
    else if (token.kind === 'op' && ')]}'.includes(token.value)) {
      if (depth === 0) {
        finish();
        return { args, close: index };
      }
      depth--;
    } else if (depth === 0 && token.kind === 'op' && token.value === ',') {
      finish();
      continue;
    }
    current.push(token);
  }
  finish();
  return { args, close: tokens.length };
}

const stringArg = (arg: Argument | undefined): PyToken | undefined => (arg?.token?.kind === 'string' ? arg.token : undefined);
const innerSpan = (token: PyToken): Span => ({ start: token.start + 1, end: token.closed ? token.end - 1 : token.end });
const keyed = (args: readonly Argument[], ...keys: string[]): Argument | undefined => args.find((arg) => arg.key !== undefined && keys.includes(arg.key));

/** Names a file binds itself (`{% set x %}`, `{% for x in %}`, macro parameters): calls on them are not macros. */
function localNames(text: string, blocks: ReturnType<typeof jinjaBlocks>): Set<string> {
  const names = new Set<string>();
  for (const block of blocks) {
    if (block.comment || text[block.start + 1] !== '%') continue;
    const { from, to } = interior(text, block);
    const tokens = tokenizeExpression(text, from, to);
    const head = tokens[0]?.value;
    if (head === 'set' || head === 'for') {
      for (const token of tokens.slice(1)) {
        if (token.kind === 'name') names.add(token.value);
        else if (token.value !== ',') break;
      }
    } else if (head === 'macro' || head === 'test') {
      let depth = 0;
      for (const [index, token] of tokens.entries()) {
        if (token.value === '(' || token.value === '[') depth++;
        else if (token.value === ')' || token.value === ']') depth--;
        else if (depth === 1 && token.kind === 'name' && (tokens[index - 1]?.value === '(' || tokens[index - 1]?.value === ',')) names.add(token.value);
      }
    }
  }
  return names;
}

interface ScanOptions {
  /** Names bound in the file: not macro calls. */
  locals: ReadonlySet<string>;
  /** Only calls whose parenthesis closes (bare YAML text, where prose may look like a call). */
  closedOnly: boolean;
}

/** Appends the references of the expression tokens to `out`. */
function referencesOfTokens(tokens: readonly PyToken[], text: string, out: JinjaReference[], options: ScanOptions): void {
  const first = tokens[0];
  // `{% macro name(` and `{% test name(` define, they do not call.
  if (first?.kind === 'name' && (first.value === 'macro' || first.value === 'test') && tokens[1]?.kind === 'name') {
    const name = tokens[1];
    out.push({ kind: 'macroDefinition', span: { start: first.start, end: name.end }, name: first.value === 'test' ? `test_${name.value}` : name.value, nameSpan: { start: name.start, end: name.end } });
  }
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as PyToken;
    if (token.kind !== 'name') continue;
    const before = tokens[index - 1];
    // A method of something else (`x.append(`), a filter (`| join(`), or a definition's name.
    if (before?.kind === 'op' && (before.value === '.' || before.value === '|')) continue;
    if (before?.kind === 'name' && (before.value === 'macro' || before.value === 'test') && before === first) continue;
    const chain = [token];
    let end = index;
    while (tokens[end + 1]?.value === '.' && tokens[end + 2]?.kind === 'name') {
      chain.push(tokens[end + 2] as PyToken);
      end += 2;
    }
    const open = end + 1;
    if (tokens[open]?.value !== '(' || chain.length > 2) {
      index = end;
      continue;
    }
    const { args, close } = argumentsOf(tokens, open);
    if (options.locals.has(names0(chain)) || (options.closedOnly && close >= tokens.length)) {
      index = end;
      continue;
    }
    const span: Span = { start: token.start, end: close < tokens.length ? (tokens[close] as PyToken).end : text.length };
    const names = chain.map((part) => part.value);
    const last = chain[chain.length - 1] as PyToken;
    if (names.length === 1 && names[0] === 'ref') {
      const [a, b] = [stringArg(args[0]), stringArg(args[1])];
      const version = keyed(args, 'v', 'version')?.token;
      if (b && a && args[1]?.key === undefined) out.push({ kind: 'ref', span, name: b.value, nameSpan: innerSpan(b), package: a.value, packageSpan: innerSpan(a), version: version?.value });
      else if (a && args[0]?.key === undefined) out.push({ kind: 'ref', span, name: a.value, nameSpan: innerSpan(a), version: version?.value });
    } else if (names.length === 1 && names[0] === 'source') {
      const [a, b] = [stringArg(args[0]), stringArg(args[1])];
      if (a) out.push({ kind: 'source', span, source: a.value, sourceSpan: innerSpan(a), table: b?.value, tableSpan: b ? innerSpan(b) : undefined });
    } else if (names.length === 1 && names[0] === 'doc') {
      const [a, b] = [stringArg(args[0]), stringArg(args[1])];
      if (b && a) out.push({ kind: 'doc', span, name: b.value, nameSpan: innerSpan(b), package: a.value });
      else if (a) out.push({ kind: 'doc', span, name: a.value, nameSpan: innerSpan(a) });
    } else if (names.length === 2 && names[0] === 'adapter' && names[1] === 'dispatch') {
      const name = stringArg(args[0]) ?? stringArg(keyed(args, 'macro_name'));
      const namespace = stringArg(args[1]?.key === undefined ? args[1] : undefined) ?? stringArg(keyed(args, 'macro_namespace'));
      if (name) out.push({ kind: 'macro', span, name: name.value, package: namespace?.value, nameSpan: innerSpan(name), dispatch: true });
    } else if (names.length === 1 ? !KEYWORDS.has(names[0] as string) && !BUILTINS.has(names[0] as string) : !BUILTINS.has(names[0] as string)) {
      out.push({ kind: 'macro', span, name: last.value, package: names.length === 2 ? names[0] : undefined, nameSpan: { start: last.start, end: last.end }, dispatch: false });
    }
    // Arguments may hold calls too (`{{ m(ref('x')) }}`): scan on from inside the parenthesis.
    index = end;
  }
}

const names0 = (chain: readonly PyToken[]): string => (chain[0] as PyToken).value;

/** Every Jinja block of the text: start, end, whether it is closed. `{# #}` comments are left out. */
export function jinjaBlocks(text: string): Array<{ start: number; end: number; closed: boolean; comment: boolean }> {
  const blocks: Array<{ start: number; end: number; closed: boolean; comment: boolean }> = [];
  let at = text.indexOf('{');
  while (at >= 0 && at < text.length) {
    const next = text[at + 1];
    if (next === '{' || next === '%' || next === '#') {
      const { end, closed } = jinjaBlockEnd(text, at);
      blocks.push({ start: at, end, closed, comment: next === '#' });
      at = text.indexOf('{', end);
    } else {
      at = text.indexOf('{', at + 1);
    }
  }
  return blocks;
}

/** The interior of a block: without its delimiters and whitespace-control marks. */
function interior(text: string, block: { start: number; end: number; closed: boolean }): { from: number; to: number } {
  let from = block.start + 2;
  let to = block.closed ? block.end - 2 : block.end;
  if (text[from] === '-' || text[from] === '+') from++;
  if (to > from && (text[to - 1] === '-' || text[to - 1] === '+')) to--;
  return { from, to };
}

/** Every reference in the Jinja of a SQL (or macro) file, in text order. */
export function scanJinja(text: string): JinjaReference[] {
  const out: JinjaReference[] = [];
  const blocks = jinjaBlocks(text);
  const options: ScanOptions = { locals: localNames(text, blocks), closedOnly: false };
  for (const block of blocks) {
    if (block.comment) continue;
    const { from, to } = interior(text, block);
    referencesOfTokens(tokenizeExpression(text, from, to), text, out, options);
  }
  return out;
}

const BARE_CALL = /(?<![\w.])(ref|source)\s*\(/g;

/**
 * References of a YAML file: inside its `{{ }}` blocks (descriptions with `doc()`) and the bare
 * expressions dbt evaluates without braces (`relation: ref('x')`, `to: ref('x')`).
 */
export function scanYaml(text: string): JinjaReference[] {
  const out = scanJinja(text);
  const blocks = jinjaBlocks(text);
  for (const match of text.matchAll(BARE_CALL)) {
    const start = match.index;
    if (blocks.some((block) => start >= block.start && start < block.end)) continue;
    const lineEnd = text.indexOf('\n', start);
    referencesOfTokens(tokenizeExpression(text, start, lineEnd < 0 ? text.length : lineEnd), text, out, { locals: new Set(), closedOnly: true });
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** References of a dbt file by its kind: YAML files have bare expressions too. */
export const scanFile = (path: string, text: string): JinjaReference[] => (isYamlFile(path) ? scanYaml(text) : scanJinja(text));

/** The spans of a reference a cursor can be on, narrowest meaning first. */
function namedSpans(reference: JinjaReference): Span[] {
  switch (reference.kind) {
    case 'ref':
      return [reference.nameSpan, ...(reference.packageSpan ? [reference.packageSpan] : []), reference.span];
    case 'source':
      return [...(reference.tableSpan ? [reference.tableSpan] : []), reference.sourceSpan, reference.span];
    default:
      return [reference.nameSpan, reference.span];
  }
}

/**
 * The reference under an offset: the one whose name (or, failing that, whose call) touches it;
 * among nested calls the innermost wins.
 */
export function referenceAt(references: readonly JinjaReference[], offset: number): JinjaReference | undefined {
  let best: { reference: JinjaReference; width: number } | undefined;
  for (const reference of references) {
    for (const span of namedSpans(reference)) {
      if (offset < span.start || offset > span.end) continue;
      const width = span.end - span.start;
      if (!best || width < best.width) best = { reference, width };
    }
  }
  return best?.reference;
}

/** What a completion inside Jinja would insert at an offset. */
export type JinjaCompletionContext =
  | { kind: 'ref'; package?: string | undefined; replace: Span; quoted: boolean }
  | { kind: 'source'; replace: Span; quoted: boolean }
  | { kind: 'sourceTable'; source: string; replace: Span; quoted: boolean }
  | { kind: 'doc'; replace: Span; quoted: boolean }
  | { kind: 'macro'; replace: Span };

/**
 * The completion that applies at `offset` inside a Jinja block (`ref('` → models, `source('` →
 * sources, `source('s', '` → its tables, a bare name → macros), or undefined outside Jinja.
 */
export function jinjaCompletionAt(text: string, offset: number): JinjaCompletionContext | undefined {
  const block = jinjaBlocks(text).find((candidate) => offset > candidate.start + 1 && (offset < candidate.end || (!candidate.closed && offset <= candidate.end)));
  if (!block || block.comment) return undefined;
  const { from } = interior(text, block);
  const tokens = tokenizeExpression(text, from, offset);
  const last = tokens[tokens.length - 1];
  // Inside a string being typed (unclosed up to the cursor), or right after `(` / `,`.
  const inString = last?.kind === 'string' && !last.closed;
  const afterSeparator = last?.kind === 'op' && (last.value === '(' || last.value === ',');
  if (inString || afterSeparator) {
    const call = openCall(tokens, inString ? tokens.length - 1 : tokens.length);
    if (!call) return undefined;
    let replace: Span = { start: offset, end: offset };
    if (inString) {
      // Replace the whole name, including what follows the cursor up to the closing quote.
      const quote = text[last.start] as string;
      const close = text.indexOf(quote, offset);
      const lineEnd = text.indexOf('\n', offset);
      const end = close >= 0 && (lineEnd < 0 || close < lineEnd) ? close : offset;
      replace = { start: last.start + 1, end };
    }
    const quoted = inString;
    const strings = call.args.map((arg) => (arg.length === 1 && arg[0]?.kind === 'string' ? arg[0].value : undefined));
    if (call.name === 'ref') {
      if (call.index === 0) return { kind: 'ref', replace, quoted };
      if (call.index === 1 && strings[0] !== undefined) return { kind: 'ref', package: strings[0], replace, quoted };
    } else if (call.name === 'source') {
      if (call.index === 0) return { kind: 'source', replace, quoted };
      if (call.index === 1 && strings[0] !== undefined) return { kind: 'sourceTable', source: strings[0], replace, quoted };
    } else if (call.name === 'doc' && call.index === 0) {
      return { kind: 'doc', replace, quoted };
    }
    return undefined;
  }
  if (last?.kind === 'name' && last.end === offset) {
    const before = tokens[tokens.length - 2];
    if (before?.kind === 'op' && (before.value === '.' || before.value === '|')) return undefined;
    if (before?.kind === 'name' && ['macro', 'test', 'set', 'for', 'in'].includes(before.value)) return undefined;
    return { kind: 'macro', replace: { start: last.start, end: last.end } };
  }
  return undefined;
}

/** The innermost call still open at tokens[end]: its name, the argument index and the arguments so far. */
function openCall(tokens: readonly PyToken[], end: number): { name: string; index: number; args: PyToken[][] } | undefined {
  const stack: Array<{ name: string; args: PyToken[][] }> = [];
  for (let index = 0; index < end; index++) {
    const token = tokens[index] as PyToken;
    if (token.kind === 'op' && '([{'.includes(token.value)) {
      const before = tokens[index - 1];
      stack.push({ name: token.value === '(' && before?.kind === 'name' ? before.value : '', args: [[]] });
    } else if (token.kind === 'op' && ')]}'.includes(token.value)) {
      stack.pop();
    } else if (token.kind === 'op' && token.value === ',') {
      stack[stack.length - 1]?.args.push([]);
    } else {
      const top = stack[stack.length - 1];
      top?.args[top.args.length - 1]?.push(token);
    }
  }
  const top = stack[stack.length - 1];
  if (!top || top.name === '') return undefined;
  return { name: top.name, index: top.args.length - 1, args: top.args };
}
