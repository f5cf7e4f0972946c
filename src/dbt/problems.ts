/**
 * What the Problems panel shows after a dbt run, as plain records: a failing model at its .sql
 * file, a failing test at its YAML entry (or singular .sql file) with the failure count, a stale
 * source at its YAML entry, an error that stopped dbt before running (a broken ref, bad Jinja,
 * bad YAML) at the file dbt names. Pure: files are read through the `ProblemFiles` it is given,
 * only to point at the right line. diagnostics.ts turns the records into VS Code diagnostics.
 */
import { isAbsolute, join } from 'node:path';
import { manifestEntry, type ManifestEntry, type ManifestTest, type ParsedManifest } from './manifest';
import { isYamlFile } from './projectFiles';
import type { NodeResult, RunResults } from './runResults';

export type ProblemSeverity = 'error' | 'warning' | 'information';

export interface ProblemRecord {
  /** Absolute path of the file the problem belongs to. */
  file: string;
  /** 0-based line, when it is known. */
  line?: number | undefined;
  message: string;
  severity: ProblemSeverity;
  /** dbt's status (`error`, `fail`, `warn`, `runtime error`), `stale` for freshness, `parse` for fatal errors. */
  code: string;
  uniqueId?: string | undefined;
}

/** File access for locating lines; both optional (without them problems point at line 0). */
export interface ProblemFiles {
  read?(absolutePath: string): string | undefined;
  exists?(absolutePath: string): boolean;
}

export interface ProblemInput {
  projectDir: string;
  results?: RunResults | undefined;
  manifest?: ParsedManifest | undefined;
  /** Errors that stopped dbt (MainEncounteredError), from the JSON log. */
  fatalErrors?: readonly string[] | undefined;
  files?: ProblemFiles | undefined;
  /** Folders dbt reads resources from, for errors that name a path relative to one of them. */
  resourceDirs?: readonly string[] | undefined;
}

const DEFAULT_RESOURCE_DIRS = ['models', 'snapshots', 'seeds', 'tests', 'macros', 'analyses'];
// Colour codes, should a log be written with --use-colors-file.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const PATH_IN_PARENS = /\(([^()\n]+?\.(?:sql|ya?ml|py|csv|md))\)/;
const PATH_AFTER_READING = /Error reading [^:\n]+: (\S+\.(?:ya?ml|sql|py|csv|md))\b/;

/** dbt's multi-line message made readable: no colours, no caret lines, no path already shown by the file. */
export function cleanMessage(text: string): string {
  const lines = text.replace(ANSI, '').split(/\r?\n/).map((line) => line.trimEnd());
  const kept = lines.filter((line) => line.trim() !== '' && !/^\s*\^+\s*$/.test(line));
  const indents = kept.slice(1).map((line) => /^\s*/.exec(line)?.[0].length ?? 0);
  const dedent = indents.length > 0 ? Math.min(...indents) : 0;
  const result = kept.map((line, index) => (index === 0 ? line.trim().replace(/\s*\([^()\n]+\.(?:sql|ya?ml|py|csv|md)\)\s*$/, '') : line.slice(dedent)));
  return result.join('\n').trim();
}

/** The project-relative path a dbt error message names, if any. */
export function pathInMessage(text: string): string | undefined {
  return PATH_IN_PARENS.exec(text)?.[1] ?? PATH_AFTER_READING.exec(text)?.[1];
}

/** The 0-based line a Jinja or YAML error names ("line 7", "Syntax error near line 197"). */
export function lineInMessage(text: string): number | undefined {
  const match = /\bline (\d+)\b/.exec(text);
  return match ? Math.max(0, Number(match[1]) - 1) : undefined;
}

/** The absolute file for a path dbt wrote relative to the project or to one of its resource folders. */
export function resolveProjectFile(projectDir: string, path: string, files?: ProblemFiles, resourceDirs: readonly string[] = DEFAULT_RESOURCE_DIRS): string {
  if (isAbsolute(path)) return path;
  const candidates = [join(projectDir, path), ...resourceDirs.map((dir) => join(projectDir, dir, path))];
  if (files?.exists) return candidates.find((candidate) => files.exists?.(candidate)) ?? (candidates[0] as string);
  return candidates[0] as string;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The 0-based line of a YAML entry reached through nested `name:` keys (model, then column),
 * optionally ending at a test's list item (`- accepted_values:`). The deepest step found wins.
 */
export function locateInYaml(text: string, names: readonly string[], testName?: string): number | undefined {
  const lines = text.split(/\r?\n/);
  let found: number | undefined;
  let from = 0;
  for (const name of names) {
    const pattern = new RegExp(`^\\s*(?:-\\s+)?name:\\s*["']?${escape(name)}["']?\\s*(?:#.*)?$`);
    const index = lines.findIndex((line, at) => at >= from && pattern.test(line));
    if (index < 0) return found;
    found = index;
    from = index + 1;
  }
  if (testName) {
    const pattern = new RegExp(`^\\s*-\\s+(?:["']?\\w+\\.)?${escape(testName)}["']?\\s*(?::|$)|^\\s*(?:-\\s+)?test_name:\\s*["']?${escape(testName)}\\b`);
    const index = lines.findIndex((line, at) => at >= from && pattern.test(line));
    if (index >= 0) found = index;
  }
  return found;
}

/**
 * The line of a database error in a model's source: DuckDB quotes the failing line
 * ("LINE 18:     selec *") of the compiled SQL, whose numbering differs from the source file,
 * so the quoted text is looked up in the source and used only when it occurs exactly once.
 */
export function locateQuotedLine(source: string, message: string): number | undefined {
  const quoted = /^\s*LINE \d+:\s?(.*)$/m.exec(message)?.[1]?.replace(/^\.\.\.|\.\.\.$/g, '').trim();
  if (!quoted || quoted.length < 4) return undefined;
  const matches: number[] = [];
  source.split(/\r?\n/).forEach((line, index) => {
    if (line.includes(quoted)) matches.push(index);
  });
  return matches.length === 1 ? matches[0] : undefined;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

function describeTest(test: ManifestTest | undefined, manifest: ParsedManifest | undefined, uniqueId: string): string {
  if (!test) return uniqueId.split('.').slice(2, 3)[0] ?? uniqueId;
  if (test.kind === 'unit') return `unit test ${test.name}`;
  if (test.kind === 'singular') return `test ${test.name}`;
  const attached = test.attachedNode ? manifest && manifestEntry(manifest, test.attachedNode) : undefined;
  const owner = attached ? (attached.resourceType === 'source' ? `${attached.sourceName}.${attached.name}` : attached.name) : undefined;
  const target = owner ? `${owner}${test.columnName ? `.${test.columnName}` : ''}` : test.columnName;
  return `${test.testName ?? 'test'}${target ? ` on ${target}` : ''}`;
}

/** The YAML names leading to a test's entry: [model or source, table], column. */
function yamlPathOfTest(test: ManifestTest, manifest: ParsedManifest): string[] {
  const attached = test.attachedNode ? manifestEntry(manifest, test.attachedNode) : undefined;
  if (test.kind === 'unit') return [test.name];
  const names = attached?.resourceType === 'source' ? [attached.sourceName, attached.name] : attached ? [attached.name] : [];
  if (test.columnName) names.push(test.columnName);
  return names;
}

function ageText(seconds: number): string {
  if (seconds < 2 * 3600) return plural(Math.round(seconds / 60), 'minute');
  if (seconds < 2 * 86400) return plural(Math.round(seconds / 3600), 'hour');
  return `${(seconds / 86400).toFixed(1)} days`;
}

interface Located {
  file: string;
  line?: number | undefined;
}

function locate(input: ProblemInput, entry: ManifestEntry | undefined, result: NodeResult): Located {
  const { projectDir, files, manifest } = input;
  const relative = entry?.originalFilePath ?? (result.message ? pathInMessage(result.message) : undefined);
  if (!relative) return { file: join(projectDir, 'dbt_project.yml') };
  const file = resolveProjectFile(projectDir, relative, files, input.resourceDirs);
  const isYaml = isYamlFile(file);
  const messageLine = () => {
    if (!result.message) return undefined;
    const named = pathInMessage(result.message);
    // "line N" of a Jinja error counts in the file the message names, which may be a macro.
    const sameFile = !named || resolveProjectFile(projectDir, named, files, input.resourceDirs) === file;
    return sameFile ? lineInMessage(result.message) : undefined;
  };
  let line: number | undefined;
  if (/Compilation Error|Parsing Error/.test(result.message ?? '')) line = messageLine();
  if (line === undefined) {
    const text = files?.read?.(file);
    if (text !== undefined && entry && manifest && isYaml) {
      if (entry.resourceType === 'test' || entry.resourceType === 'unit_test') line = locateInYaml(text, yamlPathOfTest(entry, manifest), entry.kind === 'generic' ? entry.testName : undefined);
      else if (entry.resourceType === 'source') line = locateInYaml(text, [entry.sourceName, entry.name]);
      else line = locateInYaml(text, [entry.name]);
    } else if (text !== undefined && result.message) {
      line = locateQuotedLine(text, result.message);
    }
  }
  return { file, line };
}

function freshnessProblem(input: ProblemInput, result: NodeResult): ProblemRecord {
  const source = input.manifest?.sources.get(result.uniqueId);
  const name = source ? `${source.sourceName}.${source.name}` : result.uniqueId.replace(/^source\.[^.]+\./, '');
  const { file, line } = locate(input, source, result);
  if (result.status === 'runtime error' || result.ageSeconds === undefined) {
    return { file, line, severity: 'error', code: result.status, uniqueId: result.uniqueId, message: `freshness of source ${name} could not be checked: ${cleanMessage(result.message ?? result.status)}` };
  }
  const stale = result.outcome === 'failed';
  const rule = stale ? result.errorAfter : result.warnAfter;
  return {
    file,
    line,
    severity: stale ? 'error' : 'warning',
    code: stale ? 'stale' : 'warn',
    uniqueId: result.uniqueId,
    message: `source ${name} is ${stale ? 'stale' : 'getting stale'}: last loaded ${ageText(result.ageSeconds)} ago${rule ? ` (${stale ? 'error' : 'warn'} after ${plural(rule.count, rule.period)})` : ''}`,
  };
}

function nodeProblem(input: ProblemInput, result: NodeResult): ProblemRecord {
  const entry = input.manifest ? manifestEntry(input.manifest, result.uniqueId) : undefined;
  const { file, line } = locate(input, entry, result);
  const severity: ProblemSeverity = result.outcome === 'warned' ? 'warning' : 'error';
  const detail = result.message ? cleanMessage(result.message) : '';
  const isTest = result.uniqueId.startsWith('test.') || result.uniqueId.startsWith('unit_test.');
  let message: string;
  if (isTest && (result.status === 'fail' || result.status === 'warn')) {
    const test = entry && (entry.resourceType === 'test' || entry.resourceType === 'unit_test') ? entry : undefined;
    const what = describeTest(test, input.manifest, result.uniqueId);
    const verb = result.status === 'warn' ? 'warned' : 'failed';
    const count = result.failures !== undefined && result.failures > 0 && test?.kind !== 'unit' ? ` with ${plural(result.failures, 'failure')}` : '';
    message = `${what} ${verb}${count}${detail ? `: ${detail}` : ''}`;
  } else {
    message = detail || `${result.uniqueId}: ${result.status}`;
  }
  return { file, line, severity, code: result.status, uniqueId: result.uniqueId, message };
}

/** A problem for an error that stopped dbt, at the file the error names (else dbt_project.yml). */
export function fatalProblem(input: ProblemInput, error: string): ProblemRecord {
  const path = pathInMessage(error);
  const file = path ? resolveProjectFile(input.projectDir, path, input.files, input.resourceDirs) : join(input.projectDir, 'dbt_project.yml');
  return { file, line: path ? lineInMessage(error) : undefined, severity: 'error', code: 'parse', message: cleanMessage(error) };
}

/**
 * A unit test that errored on its model's SQL (dbt runs the unit test first and skips the model):
 * the same error at the model's line, found by the line the database quotes. Undefined when the
 * quoted line is not the model's (an error in the test's own fixtures stays at the test only).
 */
export function modelProblemOfUnitTest(input: ProblemInput, result: NodeResult): ProblemRecord | undefined {
  if (!result.uniqueId.startsWith('unit_test.') || result.status !== 'error' || !result.message || !input.manifest) return undefined;
  const test = input.manifest.tests.get(result.uniqueId);
  const model = test?.attachedNode ? input.manifest.relations.get(test.attachedNode) : undefined;
  if (!test || !model?.originalFilePath) return undefined;
  const file = resolveProjectFile(input.projectDir, model.originalFilePath, input.files, input.resourceDirs);
  const source = input.files?.read?.(file);
  const line = source === undefined ? undefined : locateQuotedLine(source, result.message);
  if (line === undefined) return undefined;
  return { file, line, severity: 'error', code: result.status, uniqueId: model.uniqueId, message: `${cleanMessage(result.message)} (found by unit test ${test.name}; dbt skipped ${model.name})` };
}

/** Every problem of a finished run; an all-green run gives none. */
export function problemsFromRun(input: ProblemInput): ProblemRecord[] {
  const problems: ProblemRecord[] = [];
  for (const error of input.fatalErrors ?? []) problems.push(fatalProblem(input, error));
  for (const result of input.results?.results ?? []) {
    if (result.outcome !== 'failed' && result.outcome !== 'warned') continue;
    problems.push(input.results?.kind === 'freshness' || result.uniqueId.startsWith('source.') ? freshnessProblem(input, result) : nodeProblem(input, result));
    const atModel = modelProblemOfUnitTest(input, result);
    if (atModel) problems.push(atModel);
  }
  return problems;
}
