/** Modules the extension loads only when first needed, from their own bundles next to this one. */
import { join } from 'node:path';
import type * as Authoring from './language/entry';
import type * as Pipeline from './pipeline/entry';

let pipeline: typeof Pipeline | undefined;
let authoring: typeof Authoring | undefined;

/** The simulator, outbox and loader operations (dist/pipeline.js). */
export function loadPipeline(): typeof Pipeline {
  // A computed path keeps esbuild from inlining the module into the extension bundle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  pipeline ??= require(join(__dirname, 'pipeline.js')) as typeof Pipeline;
  return pipeline;
}

/** Navigation, completion, rename, compiled SQL, CTE preview and lineage (dist/authoring.js). */
export function loadAuthoring(): typeof Authoring {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  authoring ??= require(join(__dirname, 'authoring.js')) as typeof Authoring;
  return authoring;
}
