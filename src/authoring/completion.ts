/**
 * Completion in a dbt file: model, seed and snapshot names inside `ref('`, source names inside
 * `source('`, that source's tables after `source('s', '`, docs inside `doc('`, macros in a Jinja
 * expression, and after `alias.` in SQL the columns of the relation or CTE the alias stands for.
 * Plain items with the range they replace; the shell maps them to `vscode.CompletionItem`s.
 */
import { jinjaCompletionAt, type JinjaCompletionContext } from './jinja';
import type { IndexedNode, ProjectIndex } from './projectIndex';
import { SqlScope } from './sqlScope';
import { LineIndex, type Position, type Range } from './text';

export type CompletionKind = 'model' | 'seed' | 'snapshot' | 'source' | 'table' | 'column' | 'macro' | 'doc';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** One line beside the label (layer and materialization, a column's type). */
  detail?: string | undefined;
  /** Markdown shown beside the list. */
  documentation?: string | undefined;
  insertText: string;
  /** What accepting the item replaces. */
  range: Range;
  /** Orders the list (the editor sorts by it, then by label). */
  sortText?: string | undefined;
}

export interface CompletionResult {
  items: CompletionItem[];
  /** Set when the list may miss names (columns of an unknown relation, a macro that writes columns). */
  incomplete?: string | undefined;
}

const quote = (name: string, quoted: boolean): string => (quoted ? name : `'${name}'`);
const LAYER_ORDER: Record<string, string> = { bronze: '0', silver: '1', gold: '2', snapshots: '3', other: '4' };

function nodeItem(node: IndexedNode, label: string, range: Range, quoted: boolean): CompletionItem {
  return {
    label,
    kind: node.kind === 'source' ? 'table' : node.kind,
    detail: [node.kind, node.layer, node.materialization].filter(Boolean).join(' · '),
    documentation: node.description,
    insertText: quote(label, quoted),
    range,
    sortText: `${LAYER_ORDER[node.layer] ?? '4'}${label}`,
  };
}

/** The column completion context at an offset: `alias.` and the part of a name typed after it. */
function columnContext(scope: SqlScope, offset: number): { alias: string; at: number; replaceStart: number } | undefined {
  const index = scope.tokenBefore(offset);
  const token = scope.tokens[index];
  // Whitespace before the cursor: nothing is being qualified.
  if (!token || token.end < offset || token.kind === 'string' || token.kind === 'comment' || token.kind === 'jinja') return undefined;
  let dot = index;
  let replaceStart = offset;
  if (token.kind === 'word' || token.kind === 'quoted') {
    dot = index - 1;
    replaceStart = token.start;
  }
  const dotToken = scope.tokens[dot];
  const alias = scope.tokens[dot - 1];
  if (dotToken?.text !== '.' || !alias || (alias.kind !== 'word' && alias.kind !== 'quoted') || alias.end !== dotToken.start) return undefined;
  if (scope.tokens[dot - 2]?.text === '.') return undefined;
  return { alias: alias.kind === 'quoted' ? alias.value : alias.text, at: dot - 1, replaceStart };
}

/** The items of a completion inside Jinja; `typed` is what the user typed of the name so far. */
function jinjaItems(index: ProjectIndex, jinja: JinjaCompletionContext, range: Range, typed: string): CompletionResult | undefined {
  switch (jinja.kind) {
    case 'ref':
      return { items: index.refableNodes(jinja.package).map((node) => nodeItem(node, node.name, range, jinja.quoted)) };
    case 'source':
      return {
        items: index.sourceNames().map((name) => {
          const tables = index.tablesOf(name);
          return { label: name, kind: 'source', detail: `source · ${tables.length} tables`, documentation: tables[0]?.description, insertText: quote(name, jinja.quoted), range };
        }),
      };
    case 'sourceTable':
      return { items: index.tablesOf(jinja.source).map((node) => nodeItem(node, node.name, range, jinja.quoted)) };
    case 'doc':
      return { items: [...index.docs.values()].map((doc) => ({ label: doc.name, kind: 'doc', detail: `docs · ${doc.packageName}`, documentation: doc.contents, insertText: quote(doc.name, jinja.quoted), range })) };
    case 'macro': {
      const prefix = typed.toLowerCase();
      const items = index.macroNames().filter((macro) => macro.name.toLowerCase().startsWith(prefix) && !/^(default|[a-z]+)__/.test(macro.name));
      return {
        items: items.map((macro) => ({
          label: macro.name,
          kind: 'macro',
          detail: `${macro.packageName}.${macro.name}(${macro.arguments.map((arg) => arg.name).join(', ')})`,
          documentation: macro.description,
          insertText: macro.name,
          range,
          sortText: `${macro.packageName === index.projectName ? '0' : '1'}${macro.name}`,
        })),
      };
    }
  }
  return undefined;
}

/** Completion items at a position of a model (or macro) file, or undefined where none apply. */
export function completionAt(index: ProjectIndex, text: string, position: Position): CompletionResult | undefined {
  const lines = new LineIndex(text);
  const offset = lines.offsetAt(position);
  const jinja = jinjaCompletionAt(text, offset);
  if (jinja) return jinjaItems(index, jinja, lines.range(jinja.replace), text.slice(jinja.replace.start, offset));
  const scope = new SqlScope(text, index);
  const context = columnContext(scope, offset);
  if (!context) return undefined;
  const target = scope.resolveAlias(context.alias, context.at);
  if (!target) return { items: [], incomplete: `${context.alias} is not a relation of this query` };
  const columns = scope.columnsOf(target);
  const range = lines.range({ start: context.replaceStart, end: offset });
  const items = columns.columns.map((column, position): CompletionItem => ({
    label: column.name,
    kind: 'column',
    detail: [column.type, column.from].filter(Boolean).join(' · '),
    documentation: column.description,
    insertText: /^[A-Za-z_][A-Za-z0-9_]*$/.test(column.name) ? column.name : `"${column.name.replace(/"/g, '""')}"`,
    range,
    sortText: String(position).padStart(5, '0'),
  }));
  return { items, incomplete: columns.complete ? undefined : (columns.reason ?? 'not every column is known') };
}

/**
 * Completion in a dbt YAML file: in a value, `ref('` / `source('` / `doc('` as in Jinja (a
 * relationships test's `to: ref('…')`, a description's `{{ doc('…') }}`); in a `columns:` list
 * of a model, seed, snapshot or source table, after `- name:`, the columns the warehouse or the
 * manifest knows for it that the list does not name yet.
 */
export function yamlCompletionAt(index: ProjectIndex, text: string, position: Position): CompletionResult | undefined {
  const lines = new LineIndex(text);
  const offset = lines.offsetAt(position);
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, offset);
  const inDelimiters = jinjaCompletionAt(text, offset);
  if (inDelimiters && inDelimiters.kind !== 'macro') return jinjaItems(index, inDelimiters, lines.range(inDelimiters.replace), '');
  const value = /^(\s*(?:-\s+)?(?:[\w-]+:\s+)?)(["']?)(?=\w+\s*\()/.exec(line);
  if (value) {
    // The value read as a Jinja expression (dbt renders test arguments so): `{{ ` + the value.
    const valueStart = lineStart + (value[1]?.length ?? 0) + (value[2]?.length ?? 0);
    const lineEnd = text.indexOf('\n', offset);
    const rest = text.slice(valueStart, lineEnd < 0 ? text.length : lineEnd);
    const shift = valueStart - 3;
    const jinja = jinjaCompletionAt(`{{ ${rest}`, offset - shift);
    if (jinja && jinja.kind !== 'macro') {
      const replace = { start: jinja.replace.start + shift, end: Math.min(jinja.replace.end + shift, lineEnd < 0 ? text.length : lineEnd) };
      return jinjaItems(index, { ...jinja, replace }, lines.range(replace), '');
    }
  }
  const item = /^(\s*)-\s+name:\s*(\w*)$/.exec(line);
  if (!item) return undefined;
  const owner = yamlColumnOwner(index, text, lineStart, (item[1] ?? '').length);
  if (!owner) return undefined;
  const named = new Set(owner.listed.map((name) => name.toLowerCase()));
  const range = lines.range({ start: offset - (item[2] ?? '').length, end: offset });
  const items = owner.node.columns
    .filter((column) => !named.has(column.name.toLowerCase()))
    .map((column, order): CompletionItem => ({
      label: column.name,
      kind: 'column',
      detail: [column.type, owner.node.name].filter(Boolean).join(' · '),
      documentation: column.description,
      insertText: column.name,
      range,
      sortText: String(order).padStart(5, '0'),
    }));
  return { items };
}

/** A YAML list entry naming something: `- name: x`, its indent and the name. */
const NAMED_ENTRY = /^(\s*)-\s+name:\s*["']?(\w+)/;
const indentOf = (line: string): number => /^\s*/.exec(line)?.[0].length ?? 0;
const blankOrComment = (line: string): boolean => line.trim() === '' || line.trim().startsWith('#');

/** The node whose `columns:` list holds the item at `lineStart` (indented by `indent`), and the names the list's other items hold. */
function yamlColumnOwner(index: ProjectIndex, text: string, lineStart: number, indent: number): { node: IndexedNode; listed: string[] } | undefined {
  const above = text.slice(0, lineStart).split('\n');
  above.pop();
  const listed: string[] = [];
  /** Keeps the name of a sibling item of the list. */
  const sibling = (line: string): void => {
    const entry = NAMED_ENTRY.exec(line);
    if (entry && (entry[1] ?? '').length === indent) listed.push(entry[2] as string);
  };
  let row = above.length - 1;
  // Up to `columns:`, collecting the names listed at the same indent.
  for (; row >= 0; row--) {
    const line = above[row] as string;
    if (blankOrComment(line)) continue;
    if (indentOf(line) < indent) break;
    sibling(line);
  }
  if (row < 0 || !/^\s*columns:\s*$/.test(above[row] as string)) return undefined;
  // And below the item, down to the end of the list.
  for (const line of text.slice(lineStart).split('\n').slice(1)) {
    if (blankOrComment(line)) continue;
    if (indentOf(line) < indent) break;
    sibling(line);
  }
  const names: string[] = [];
  let level = indentOf(above[row] as string);
  // Up through the entries that hold it: the node's `- name:`, then (for a source table) the source's, then the section.
  for (row--; row >= 0 && names.length < 3; row--) {
    const line = above[row] as string;
    if (blankOrComment(line) || indentOf(line) >= level) continue;
    const entry = NAMED_ENTRY.exec(line);
    const key = /^(\s*)(?:-\s+)?([\w]+):/.exec(line);
    if (entry) {
      names.push(entry[2] as string);
      level = (entry[1] ?? '').length;
    } else if (key) {
      names.push(`:${key[2] as string}`);
      level = (key[1] ?? '').length;
    }
  }
  // [node, section] for models, seeds, snapshots; [table, ':tables', source] for sources.
  const [name, second, third] = names;
  if (!name) return undefined;
  const node = second === ':tables' && third && !third.startsWith(':') ? index.source(third, name) : second?.startsWith(':') ? index.ref(name) : undefined;
  return node ? { node, listed } : undefined;
}
