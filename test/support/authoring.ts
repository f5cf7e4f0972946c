/** Inputs of the authoring tests: a dbt project's files as text, and indexes of known manifests. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FileAccess } from '../../src/authoring/navigation';
import { buildProjectIndex, type ProjectIndex } from '../../src/authoring/projectIndex';
import type { ProjectFile } from '../../src/authoring/rename';
import { REPO } from './cli';
import type { SyntheticProject } from './syntheticProject';

/** The text files of a dbt project (SQL, YAML, Markdown), paths relative to it; build output left out. */
export function projectFiles(dir: string): ProjectFile[] {
  const files: ProjectFile[] = [];
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      if (['target', 'logs', 'dbt_packages', '.venv'].includes(name)) continue;
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(sql|ya?ml|md)$/.test(name)) files.push({ path: relative(dir, path).replace(/\\/g, '/'), text: readFileSync(path, 'utf8') });
    }
  };
  walk(dir);
  return files;
}

/** dbt-sample's manifest as dbt 1.11 wrote it (macros and SQL trimmed; captured by test/fixtures/dbt-logs/capture.mjs), indexed. */
export const sampleIndex = (): ProjectIndex => buildProjectIndex({ manifest: readFileSync(join(REPO, 'test', 'fixtures', 'authoring', 'manifest.json'), 'utf8') });

/** File access over files held in memory. */
export const memoryFiles = (files: readonly ProjectFile[]): FileAccess & { reads: string[] } => {
  const byPath = new Map(files.map((file) => [file.path, file.text]));
  const reads: string[] = [];
  return {
    reads,
    read: (path) => {
      reads.push(path);
      return byPath.get(path);
    },
  };
};

/** The index of a synthetic project's manifest. */
export const syntheticIndex = (project: SyntheticProject): ProjectIndex => buildProjectIndex({ manifest: project.manifest });
