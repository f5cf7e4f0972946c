/**
 * Renaming a model across a dbt project: its SQL file, every `ref('old')` (either quote style,
 * with or without the project as package, with a version) in SQL, macros and YAML, its YAML entry
 * under `models:` (never a column, source or seed of the same name), the `model:` of its unit
 * tests, and its key in dbt_project.yml's `models:` configuration. Refuses, with a one-line
 * reason, a name that is not an identifier or that a model, seed or snapshot already has.
 */
import { posix } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { isYamlFile } from '../dbt/projectFiles';
import { scanFile } from './jinja';
import type { ProjectIndex } from './projectIndex';
import { IDENTIFIER, LineIndex, type Range, type Span } from './text';

/** A text file of the project, path relative to the project (forward slashes). */
export interface ProjectFile {
  path: string;
  text: string;
}

export interface TextEdit {
  path: string;
  range: Range;
  /** The same place as offsets into the file's text. */
  span: Span;
  newText: string;
}

export interface RenamePlan {
  edits: TextEdit[];
  /** File renames (the model's SQL), applied after the edits. */
  renames: Array<{ from: string; to: string }>;
}

export interface RenameInput {
  files: readonly ProjectFile[];
  oldName: string;
  newName: string;
  /** The manifest's view: finds the model's file and every name already taken. */
  index?: ProjectIndex | undefined;
  /** The project's name (refs with this package are renamed too); default: the index's. */
  projectName?: string | undefined;
}

/** Thrown when a rename must not happen; the message is one line for the user. */
export class RenameError extends Error {
  override name = 'RenameError';
}

const MODEL_FILE = /\.(sql|py)$/i;
const baseName = (path: string): string => posix.basename(path).replace(MODEL_FILE, '');
/** Folders of dbt's default paths whose .sql files are never models (a macro may share a model's name). */
const NOT_MODELS = /^(macros|tests|analyses|seeds)\//;
const isProjectYaml = (path: string): boolean => posix.basename(path) === 'dbt_project.yml';

/** The span of a YAML scalar's text without its quotes. */
function scalarSpan(text: string, node: YamlNode): Span | undefined {
  if (!node.range) return undefined;
  const [start, valueEnd] = node.range;
  const first = text[start];
  if ((first === '"' || first === "'") && text[valueEnd - 1] === first) return { start: start + 1, end: valueEnd - 1 };
  return { start, end: valueEnd };
}

/** `name:` of the entries under `models:` and `model:` of the entries under `unit_tests:` that equal `name`. */
function yamlNameSpans(text: string, name: string): Span[] {
  const document = parseDocument(text, { keepSourceTokens: false });
  if (document.errors.length > 0 || !isMap(document.contents)) return [];
  const spans: Span[] = [];
  const collect = (section: string, key: string): void => {
    const list = (document.contents as { get(key: string, keepScalar: true): unknown }).get(section, true);
    if (!isSeq(list)) return;
    for (const item of list.items) {
      if (!isMap(item)) continue;
      const value = item.get(key, true);
      if (isScalar(value) && value.value === name) {
        const span = scalarSpan(text, value);
        if (span) spans.push(span);
      }
    }
  };
  collect('models', 'name');
  collect('unit_tests', 'model');
  return spans;
}

/** The key `name` in dbt_project.yml's `models: <project>: <folders...>:` configuration. */
function projectConfigSpans(text: string, projectName: string | undefined, folders: readonly string[], name: string): Span[] {
  const document = parseDocument(text);
  if (document.errors.length > 0 || !isMap(document.contents) || !projectName) return [];
  let level: unknown = document.contents.get('models', true);
  const spans: Span[] = [];
  for (const step of [projectName, ...folders, null]) {
    if (!isMap(level)) break;
    for (const pair of level.items) {
      if (isScalar(pair.key) && pair.key.value === name && isMap(pair.value)) {
        const span = scalarSpan(text, pair.key);
        if (span) spans.push(span);
      }
    }
    if (step === null) break;
    level = level.get(step, true);
  }
  return spans;
}

/** The edits and file renames that rename model `oldName` to `newName`; throws RenameError when it must not. */
export function planModelRename(input: RenameInput): RenamePlan {
  const { files, oldName, newName, index } = input;
  const projectName = input.projectName ?? index?.projectName;
  if (!IDENTIFIER.test(newName)) throw new RenameError(`"${newName}" is not a valid model name: use letters, digits and underscores, not starting with a digit`);
  if (newName === oldName) throw new RenameError(`the model is already named ${oldName}`);
  const node = index?.ref(oldName, projectName);
  if (node && node.kind !== 'model') throw new RenameError(`${oldName} is a ${node.kind}, not a model`);
  const modelFile = node?.file ?? files.find((file) => MODEL_FILE.test(file.path) && baseName(file.path) === oldName && !isInTarget(file.path))?.path;
  if (!modelFile) throw new RenameError(`there is no model named ${oldName}`);
  if (index?.hasRefable(newName)) {
    const taken = index.ref(newName);
    throw new RenameError(`a ${taken?.kind ?? 'node'} named ${newName} already exists${taken?.file ? ` (${taken.file})` : ''}`);
  }
  const clash = files.find((file) => MODEL_FILE.test(file.path) && !NOT_MODELS.test(file.path) && baseName(file.path) === newName && !isInTarget(file.path));
  if (clash) throw new RenameError(`a file named ${posix.basename(clash.path)} already exists (${clash.path})`);
  const folders = node ? (index?.manifest.relations.get(node.uniqueId)?.folders ?? []) : modelFile.split('/').slice(1, -1);

  const edits: TextEdit[] = [];
  for (const file of files) {
    if (isInTarget(file.path)) continue;
    const spans: Span[] = [];
    for (const reference of scanFile(file.path, file.text)) {
      if (reference.kind !== 'ref' || reference.name !== oldName) continue;
      if (reference.package !== undefined && reference.package !== projectName) continue;
      spans.push(reference.nameSpan);
    }
    if (isYamlFile(file.path)) spans.push(...(isProjectYaml(file.path) ? projectConfigSpans(file.text, projectName, folders, oldName) : yamlNameSpans(file.text, oldName)));
    if (spans.length === 0) continue;
    const lines = new LineIndex(file.text);
    const unique = [...new Map(spans.map((span) => [`${span.start}:${span.end}`, span])).values()].sort((a, b) => a.start - b.start);
    for (const span of unique) edits.push({ path: file.path, span, range: lines.range(span), newText: newName });
  }
  const extension = posix.extname(modelFile);
  const renamed = posix.join(posix.dirname(modelFile), `${newName}${extension}`);
  return { edits, renames: [{ from: modelFile, to: renamed }] };
}

/** Build output (target/, dbt_packages/, logs/) is never edited: dbt writes it again. */
function isInTarget(path: string): boolean {
  return /^(target|dbt_packages|dbt_modules|logs)\//.test(path.replace(/\\/g, '/'));
}

/** The project's files after a plan: edits applied (from the end of each file), then files renamed. */
export function applyRenamePlan(files: readonly ProjectFile[], plan: RenamePlan): ProjectFile[] {
  const byPath = new Map<string, TextEdit[]>();
  for (const edit of plan.edits) byPath.set(edit.path, [...(byPath.get(edit.path) ?? []), edit]);
  return files.map((file) => {
    let text = file.text;
    for (const edit of [...(byPath.get(file.path) ?? [])].sort((a, b) => b.span.start - a.span.start)) text = text.slice(0, edit.span.start) + edit.newText + text.slice(edit.span.end);
    const rename = plan.renames.find((entry) => entry.from === file.path);
    return { path: rename ? rename.to : file.path, text };
  });
}
