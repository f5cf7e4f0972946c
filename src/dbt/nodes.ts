/**
 * From dbt's artefacts to what the tree shows: the relations of the manifest (sources, models,
 * snapshots, seeds of this project) and the last status of each, with the worst result of its tests.
 */
import type { NodeStatus, ProjectRelation, RelationGraph } from '../core/layers';
import { parseManifest, type ManifestRelation, type ManifestSource, type ParsedManifest } from './manifest';
import { parseRunResults } from './runResults';

const columnsOf = (entry: ManifestRelation | ManifestSource): ProjectRelation['columns'] =>
  entry.columns.map((column) => ({ name: column.name, type: column.dataType, description: column.description }));

const isRelationId = (id: string): boolean => id.startsWith('model.') || id.startsWith('seed.') || id.startsWith('snapshot.') || id.startsWith('source.');

/** A node's neighbours that decide its layer: what it reads, what models read it, which exposures use it. */
function graphOf(manifest: ParsedManifest, uniqueId: string): RelationGraph {
  const children = manifest.childMap.get(uniqueId) ?? [];
  return {
    parents: (manifest.parentMap.get(uniqueId) ?? []).filter(isRelationId),
    readers: children.filter((id) => id.startsWith('model.') || id.startsWith('snapshot.')).length,
    exposures: children.filter((id) => id.startsWith('exposure.')).length,
  };
}

/** The tree's view of a manifest's relations; packages' own models are left out. */
export function projectRelations(manifest: ParsedManifest): ProjectRelation[] {
  const relations: ProjectRelation[] = [];
  for (const source of manifest.sources.values()) {
    relations.push({
      uniqueId: source.uniqueId,
      kind: 'source',
      name: `${source.sourceName}.${source.name}`,
      database: source.database,
      schema: source.schema,
      identifier: source.identifier,
      description: source.description || source.sourceDescription,
      folders: source.folders,
      filePath: source.originalFilePath,
      metaLayer: source.metaLayer,
      columns: columnsOf(source),
      graph: graphOf(manifest, source.uniqueId),
    });
  }
  for (const relation of manifest.relations.values()) {
    if (!relation.enabled || (manifest.projectName && relation.packageName && relation.packageName !== manifest.projectName)) continue;
    relations.push({
      uniqueId: relation.uniqueId,
      kind: relation.resourceType,
      name: relation.name,
      database: relation.database,
      schema: relation.schema,
      identifier: relation.alias,
      description: relation.description,
      folders: relation.folders,
      materialization: relation.materialization,
      filePath: relation.originalFilePath,
      metaLayer: relation.metaLayer,
      columns: columnsOf(relation),
      graph: graphOf(manifest, relation.uniqueId),
    });
  }
  return relations;
}

const SEVERITY: Record<string, number> = { passed: 0, skipped: 1, other: 1, warned: 2, failed: 3 };

/** Last status of each node in run_results.json, with the worst status of the tests attached to it. */
export function nodeStatuses(runResultsText: string, manifest: ParsedManifest | undefined): Map<string, NodeStatus> {
  const run = parseRunResults(JSON.parse(runResultsText));
  const at = run.generatedAt ?? new Date(0).toISOString();
  const statuses = new Map<string, NodeStatus>();
  const worstTest = new Map<string, { status: string; rank: number }>();
  for (const result of run.results) {
    const test = manifest?.tests.get(result.uniqueId);
    if (test) {
      const parent = test.attachedNode;
      const rank = SEVERITY[result.outcome] ?? 0;
      if (parent && rank >= (worstTest.get(parent)?.rank ?? -1)) worstTest.set(parent, { status: result.status, rank });
      continue;
    }
    statuses.set(result.uniqueId, { status: result.status, at: result.completedAt ?? at, message: result.message });
  }
  for (const [parent, { status }] of worstTest) statuses.set(parent, { ...(statuses.get(parent) ?? { status: 'not run', at }), tests: status });
  return statuses;
}

/** Parses a manifest.json text. */
export const readManifestText = (text: string): ParsedManifest => parseManifest(JSON.parse(text));
