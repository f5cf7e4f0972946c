/**
 * Completion in a dbt file: model, seed and snapshot names inside `ref('`, source names inside
 * `source('`, that source's tables after `source('s', '`, docs inside `doc('`, macros in a Jinja
 * expression, and after `alias.` in SQL the columns of the relation or CTE the alias stands for.
 * Plain items with the range they replace; the shell maps them to `vscode.CompletionItem`s.
 */
import { jinjaCompletionAt } from './jinja';
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

/** Completion items at a position of a model (or macro) file, or undefined where none apply. */
export function completionAt(index: ProjectIndex, text: string, position: Position): CompletionResult | undefined {
  const lines = new LineIndex(text);
  const offset = lines.offsetAt(position);
  const jinja = jinjaCompletionAt(text, offset);
  if (jinja) {
    const range = lines.range(jinja.replace);
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
        const prefix = text.slice(jinja.replace.start, offset).toLowerCase();
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
  }
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
