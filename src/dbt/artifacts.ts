/**
 * Reading what a dbt run left behind, for its verdict: run_results.json (or sources.json) and,
 * when something failed, manifest.json to map nodes to files. The paths come from the run's own
 * ArtifactWritten log events; the project's target folder is the fallback. Also the project's
 * latest manifest and run results, for the tree. Node only, no VS Code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { NodeStatus } from '../core/layers';
import type { DbtCommand } from './command';
import type { ProgressSnapshot } from './logs';
import { parseManifest, type ParsedManifest } from './manifest';
import { nodeStatuses, readManifestText } from './nodes';
import type { ProblemFiles } from './problems';
import { parseFreshnessResults, parseRunResults, type RunResults } from './runResults';

export interface ProjectLayout {
  /** Absolute target folder (dbt's target-path). */
  targetDir: string;
  /** Folders dbt reads resources from, relative to the project (model-paths, test-paths...). */
  resourceDirs: string[];
}

const PATH_KEYS = ['model-paths', 'snapshot-paths', 'seed-paths', 'test-paths', 'macro-paths', 'analysis-paths'];
const DEFAULT_DIRS = ['models', 'snapshots', 'seeds', 'tests', 'macros', 'analyses'];

/** The target folder and resource folders of a project, as its dbt_project.yml sets them. */
export function readProjectLayout(projectDir: string, env: NodeJS.ProcessEnv = process.env): ProjectLayout {
  let project: Record<string, unknown> = {};
  try {
    const value: unknown = parse(readFileSync(join(projectDir, 'dbt_project.yml'), 'utf8'));
    if (value && typeof value === 'object') project = value as Record<string, unknown>;
  } catch {
    // dbt reports a broken dbt_project.yml itself; the defaults do here.
  }
  const targetPath = env.DBT_TARGET_PATH || (typeof project['target-path'] === 'string' ? project['target-path'] : 'target');
  const dirs = PATH_KEYS.flatMap((key) => (Array.isArray(project[key]) ? (project[key] as unknown[]).filter((item): item is string => typeof item === 'string') : []));
  return {
    targetDir: isAbsolute(targetPath) ? targetPath : resolve(projectDir, targetPath),
    resourceDirs: [...new Set([...dirs, ...DEFAULT_DIRS])],
  };
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export interface RunArtifacts {
  results?: RunResults | undefined;
  manifest?: ParsedManifest | undefined;
  layout: ProjectLayout;
}

export interface ReadArtifactsOptions {
  projectDir: string;
  command: DbtCommand | undefined;
  progress: ProgressSnapshot;
  /** Set when the run overrode dbt's target-path. */
  targetPath?: string | undefined;
  /** Read the manifest even when nothing failed (the tree wants it after every run). */
  alwaysManifest?: boolean;
}

/**
 * The run's results and, when a node failed or warned, its manifest. Results of another
 * invocation are dropped (a run that failed to parse leaves the previous run_results.json).
 */
export async function readRunArtifacts(options: ReadArtifactsOptions): Promise<RunArtifacts> {
  const layout = readProjectLayout(options.projectDir);
  const targetDir = options.targetPath ? resolve(options.projectDir, options.targetPath) : layout.targetDir;
  const freshness = options.command === 'source freshness';
  const resultsFile = (freshness ? options.progress.artifacts.sources : options.progress.artifacts.runResults) ?? join(targetDir, freshness ? 'sources.json' : 'run_results.json');
  const raw = await readJson(resultsFile);
  let results = raw === undefined ? undefined : freshness ? parseFreshnessResults(raw) : parseRunResults(raw);
  if (results?.invocationId && options.progress.invocationId && results.invocationId !== options.progress.invocationId) results = undefined;
  const needsManifest = options.alwaysManifest || results?.results.some((result) => result.outcome === 'failed' || result.outcome === 'warned');
  let manifest: ParsedManifest | undefined;
  if (needsManifest) {
    const manifestRaw = await readJson(options.progress.artifacts.manifest ?? join(targetDir, 'manifest.json'));
    if (manifestRaw !== undefined) manifest = parseManifest(manifestRaw);
  }
  return { results, manifest, layout };
}

/** The project's manifest from target/manifest.json (undefined before any dbt parse or build). */
export async function readProjectManifest(projectDir: string): Promise<ParsedManifest | undefined> {
  try {
    return readManifestText(await readFile(join(projectDir, 'target', 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The latest status of each node, from target/run_results.json (undefined before any run). */
export async function readProjectStatuses(projectDir: string, manifest: ParsedManifest | undefined): Promise<Map<string, NodeStatus> | undefined> {
  try {
    return nodeStatuses(await readFile(join(projectDir, 'target', 'run_results.json'), 'utf8'), manifest);
  } catch {
    return undefined;
  }
}

/**
 * Synchronous file access for locating problem lines: only the few files that hold a problem
 * are read, once each, when a run ends.
 */
export function problemFilesFromDisk(): ProblemFiles {
  const cache = new Map<string, string | undefined>();
  return {
    exists: (path) => existsSync(path),
    read: (path) => {
      if (!cache.has(path)) {
        try {
          cache.set(path, readFileSync(path, 'utf8'));
        } catch {
          cache.set(path, undefined);
        }
      }
      return cache.get(path);
    },
  };
}
