/**
 * Go to definition and hover for a dbt file: `ref` → the model's file, `source` → its table's
 * entry in the sources YAML, a macro call → the `{% macro %}` line (every implementation for an
 * `adapter.dispatch`), `doc` → its `{% docs %}` block; hovers with the description, layer,
 * materialization, columns (types and descriptions) and the row count, freshness and last run the
 * caller passes in (nothing is fetched here). Files are read through `FileAccess`, only the one a
 * definition points into.
 */
import { locateInYaml } from '../dbt/problems';
import { isYamlFile } from '../dbt/projectFiles';
import type { NodeStatus } from '../core/layers';
import { referenceAt, scanFile, scanJinja, type JinjaReference, type MacroDefinition } from './jinja';
import type { IndexedDoc, IndexedMacro, IndexedNode, ProjectIndex } from './projectIndex';
import { SqlScope } from './sqlScope';
import { LineIndex, type Position, type Range } from './text';

/** A place in a file of the project (or of a package: `packageName` set and not the project). */
export interface Location {
  /** Relative to the root of `packageName` (the project's own files: to the project). */
  path: string;
  packageName?: string | undefined;
  line: number;
  character: number;
}

/** Reads a file of the project or of a package; undefined when it cannot. */
export interface FileAccess {
  read(path: string, packageName?: string): string | undefined;
}

/** What the warehouse and dbt's last run say about a node, for its hover (given, never fetched here). */
export interface NodeStats {
  rows?: number | undefined;
  /** Latest `_fivetran_synced` for bronze, the last build for models (ISO). */
  freshAt?: string | undefined;
  status?: NodeStatus | undefined;
}

export interface NavigationOptions {
  /** The file's path (a `.yml` is read for its bare `ref()` expressions too). */
  path?: string | undefined;
  files?: FileAccess | undefined;
}

/** The reference under a position of a file's text. */
export function referenceAtPosition(text: string, position: Position, path = 'model.sql'): { reference: JinjaReference; range: Range } | undefined {
  const lines = new LineIndex(text);
  const reference = referenceAt(scanFile(path, text), lines.offsetAt(position));
  return reference && { reference, range: lines.range(reference.span) };
}

const lineOfOffset = (text: string, offset: number): number => new LineIndex(text).positionAt(offset).line;

/** Where a node is defined: a model's SQL at line 0, a snapshot or source at its YAML entry. */
export function nodeLocation(node: IndexedNode, files?: FileAccess): Location | undefined {
  if (!node.file) return undefined;
  const location: Location = { path: node.file, packageName: node.packageName, line: 0, character: 0 };
  if (isYamlFile(node.file)) {
    const text = files?.read(node.file, node.packageName);
    const line = text === undefined ? undefined : locateInYaml(text, node.kind === 'source' ? [node.sourceName ?? '', node.name] : [node.name]);
    if (line !== undefined) location.line = line;
  }
  return location;
}

/** The line of a macro's `{% macro name(` in its file (0 when the file cannot be read). */
export function macroLocation(macro: IndexedMacro, files?: FileAccess): Location | undefined {
  if (!macro.file) return undefined;
  const text = files?.read(macro.file, macro.packageName);
  let line = 0;
  let character = 0;
  if (text !== undefined) {
    const definition = scanJinja(text).find((reference): reference is MacroDefinition => reference.kind === 'macroDefinition' && reference.name === macro.name);
    if (definition) {
      const position = new LineIndex(text).positionAt(definition.nameSpan.start);
      line = position.line;
      character = position.character;
    } else if (macro.macroSql) {
      const at = text.indexOf(macro.macroSql.trim());
      if (at >= 0) line = lineOfOffset(text, at);
    }
  }
  return { path: macro.file, packageName: macro.packageName, line, character };
}

/** The line of `{% docs name %}` in its file. */
export function docLocation(doc: IndexedDoc, files?: FileAccess): Location | undefined {
  if (!doc.file) return undefined;
  const text = files?.read(doc.file, doc.packageName);
  const match = text === undefined ? null : new RegExp(`\\{%-?\\s*docs\\s+${doc.name}\\s*-?%\\}`).exec(text);
  return { path: doc.file, packageName: doc.packageName, line: match && text !== undefined ? lineOfOffset(text, match.index) : 0, character: 0 };
}

/** The macros a call can run: the one it names, or every implementation of a dispatch. */
export function macrosOf(index: ProjectIndex, reference: Extract<JinjaReference, { kind: 'macro' }>): IndexedMacro[] {
  if (reference.dispatch) return index.dispatchTargets(reference.name, reference.package);
  const macro = index.macro(reference.name, reference.package);
  return macro ? [macro] : [];
}

/** The node a `ref` or `source` names (a source without table: its first table). */
export function nodeOf(index: ProjectIndex, reference: JinjaReference): IndexedNode | undefined {
  if (reference.kind === 'ref') return index.ref(reference.name, reference.package, reference.version);
  if (reference.kind === 'source') return reference.table ? index.source(reference.source, reference.table) : index.tablesOf(reference.source)[0];
  return undefined;
}

/** Go to definition at a position: none, one, or several locations (a dispatch's implementations). */
export function definitionAt(index: ProjectIndex, text: string, position: Position, options: NavigationOptions = {}): Location[] {
  const found = referenceAtPosition(text, position, options.path);
  if (!found) return [];
  const { reference } = found;
  switch (reference.kind) {
    case 'ref':
    case 'source': {
      const node = nodeOf(index, reference);
      const location = node && nodeLocation(node, options.files);
      return location ? [location] : [];
    }
    case 'macro':
      return macrosOf(index, reference).flatMap((macro) => {
        const location = macroLocation(macro, options.files);
        return location ? [location] : [];
      });
    case 'doc': {
      const doc = index.doc(reference.name, reference.package);
      const location = doc && docLocation(doc, options.files);
      return location ? [location] : [];
    }
    case 'macroDefinition':
      return [];
  }
}

const cell = (text: string | undefined): string => (text ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;
const MAX_COLUMNS = 40;

function age(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  if (ms < 0) return 'in the future';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** Hover markdown of a model, seed, snapshot or source. */
export function nodeHover(node: IndexedNode, stats: NodeStats = {}, now: Date = new Date()): string {
  const kind = node.kind === 'source' ? `source ${code(node.sourceName ?? '')}` : node.kind;
  const facts = [kind, node.layer, node.materialization].filter((fact): fact is string => !!fact);
  const lines = [`**${node.label}** · ${facts.join(' · ')}`, ''];
  if (node.description) lines.push(node.description.trim(), '');
  const state: string[] = [];
  const rows = stats.rows ?? node.catalogRows;
  if (rows !== undefined) state.push(`${rows.toLocaleString('en-US')} rows`);
  if (stats.freshAt) state.push(`fresh ${age(stats.freshAt, now)} (${stats.freshAt})`);
  if (stats.status) state.push(`last run: ${stats.status.status}${stats.status.tests ? `, tests: ${stats.status.tests}` : ''}`);
  if (node.kind === 'source' && node.freshness?.warnAfter) state.push(`warn after ${node.freshness.warnAfter.count} ${node.freshness.warnAfter.period}s`);
  if (state.length > 0) lines.push(state.join(' · '), '');
  if (node.columns.length > 0) {
    lines.push('| column | type | description |', '|---|---|---|');
    for (const column of node.columns.slice(0, MAX_COLUMNS)) lines.push(`| ${cell(column.name)} | ${cell(column.type)} | ${cell(column.description)} |`);
    if (node.columns.length > MAX_COLUMNS) lines.push(`| … ${node.columns.length - MAX_COLUMNS} more | | |`);
    lines.push('');
  }
  lines.push(`${code(`${node.schema}.${node.identifier}`)}${node.file ? ` · ${code(node.file)}` : ''}`);
  return lines.join('\n').trim();
}

/** Hover markdown of a macro: signature, description, arguments, package. */
export function macroHover(macros: readonly IndexedMacro[], dispatched?: string): string {
  if (macros.length === 0) return '';
  const lines: string[] = [];
  if (dispatched) lines.push(`**${dispatched}** dispatches to ${macros.map((macro) => code(`${macro.packageName}.${macro.name}`)).join(', ')}`, '');
  const macro = macros[0] as IndexedMacro;
  lines.push('```jinja', `{% macro ${macro.name}(${macro.arguments.map((arg) => arg.name).join(', ')}) %}`, '```');
  if (macro.description) lines.push(macro.description.trim());
  for (const arg of macro.arguments) if (arg.description || arg.type) lines.push(`- ${code(arg.name)}${arg.type ? ` (${arg.type})` : ''}${arg.description ? `: ${arg.description}` : ''}`);
  lines.push('', `${code(macro.packageName)}${macro.file ? ` · ${code(macro.file)}` : ''}`);
  return lines.join('\n').trim();
}

/** Hover at a position: markdown and the range it is about, or undefined. */
export function hoverAt(index: ProjectIndex, text: string, position: Position, options: NavigationOptions & { stats?: (uniqueId: string) => NodeStats | undefined; now?: Date } = {}): { markdown: string; range: Range } | undefined {
  const found = referenceAtPosition(text, position, options.path);
  if (!found) return isYamlFile(options.path ?? '') ? undefined : columnHoverAt(index, text, position);
  const { reference, range } = found;
  let markdown = '';
  switch (reference.kind) {
    case 'ref':
    case 'source': {
      const node = nodeOf(index, reference);
      if (node) markdown = nodeHover(node, options.stats?.(node.uniqueId), options.now);
      else markdown = reference.kind === 'ref' ? `No model, seed or snapshot named ${code(reference.name)} in the manifest.` : `No source ${code(`${reference.source}.${reference.table ?? ''}`)} in the manifest.`;
      break;
    }
    case 'macro':
      markdown = macroHover(macrosOf(index, reference), reference.dispatch ? reference.name : undefined);
      break;
    case 'doc':
      markdown = index.doc(reference.name, reference.package)?.contents ?? '';
      break;
    case 'macroDefinition': {
      const macro = index.macro(reference.name, index.projectName);
      markdown = macro ? macroHover([macro]) : '';
      break;
    }
  }
  return markdown ? { markdown, range } : undefined;
}

/**
 * The hover of a column qualified by an alias in SQL (`products.price`): its type, where it comes
 * from (the model, source, CTE or subquery the alias stands for, read as completion reads it) and
 * its description. Undefined elsewhere, and for a column the relation is not known to have.
 */
export function columnHoverAt(index: ProjectIndex, text: string, position: Position): { markdown: string; range: Range } | undefined {
  const lines = new LineIndex(text);
  const offset = lines.offsetAt(position);
  const scope = new SqlScope(text, index);
  // The word under the cursor: the token starting before it, or the one starting at it.
  let at = scope.tokenBefore(offset + 1);
  const word = scope.tokens[at];
  if (!word || word.end < offset || (word.kind !== 'word' && word.kind !== 'quoted')) return undefined;
  const dot = scope.tokens[at - 1];
  const alias = scope.tokens[at - 2];
  if (dot?.text !== '.' || dot.end !== word.start || !alias || (alias.kind !== 'word' && alias.kind !== 'quoted') || alias.end !== dot.start) return undefined;
  // schema.table.column: the qualifier is not an alias.
  if (scope.tokens[at - 3]?.text === '.') return undefined;
  at -= 2;
  const aliasName = alias.kind === 'quoted' ? alias.value : alias.text;
  const target = scope.resolveAlias(aliasName, at);
  if (!target) return undefined;
  const name = word.kind === 'quoted' ? word.value : word.text;
  const column = scope.columnsOf(target).columns.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
  if (!column) return undefined;
  const parts = [`${code(`${aliasName}.${column.name}`)}${column.type ? ` ${code(column.type)}` : ''}${column.from ? ` · from ${column.from}` : ''}`];
  if (column.description) parts.push(column.description);
  return { markdown: parts.join('\n\n'), range: lines.range({ start: alias.start, end: word.end }) };
}
