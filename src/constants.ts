/** Every id the extension and its package.json share: commands, views, settings, context keys. */

export const EXTENSION_ID = 'medallion.medallion';
export const OUTPUT_CHANNEL = 'Medallion';
export const CONFIG_SECTION = 'medallion';

export const Commands = {
  showOutput: 'medallion.showOutput',
  simulatePurchases: 'medallion.simulatePurchases',
  uploadPending: 'medallion.uploadPending',
  bootstrapWarehouse: 'medallion.bootstrapWarehouse',
  startContinuousSimulation: 'medallion.startContinuousSimulation',
  stopContinuousSimulation: 'medallion.stopContinuousSimulation',
  runDbt: 'medallion.runDbt',
  previewTable: 'medallion.previewTable',
  runQuery: 'medallion.runQuery',
  toggleColumnProfiles: 'medallion.toggleColumnProfiles',
  refreshTree: 'medallion.refreshTree',
  openModelSql: 'medallion.openModelSql',
  copyQualifiedName: 'medallion.copyQualifiedName',
  runModel: 'medallion.runModel',
  testModel: 'medallion.testModel',
  buildModel: 'medallion.buildModel',
  buildModelDownstream: 'medallion.buildModelDownstream',
  selectDbt: 'medallion.selectDbt',
  setSnowflakeSecret: 'medallion.snowflake.setSecret',
  clearSnowflakeSecret: 'medallion.snowflake.clearSecret',
  showLineage: 'medallion.showLineage',
  showCompiledSql: 'medallion.showCompiledSql',
  previewCte: 'medallion.previewCte',
} as const;

/** A command the extension contributes; src/commands/index.ts must have a handler for each. */
export type CommandId = (typeof Commands)[keyof typeof Commands];

export const Views = {
  container: 'medallion',
  tree: 'medallion.layers',
} as const;

/** Context keys set with `setContext`, used in `when` clauses of package.json. */
export const ContextKeys = {
  continuousSimulation: 'medallion.continuousSimulation',
  warehouseState: 'medallion.warehouseState',
  dbtState: 'medallion.dbtState',
  /** `shop` when the dbt project reads the plant shop's bronze (dbt-sample), else `other`. */
  projectKind: 'medallion.projectKind',
  /** True while the workspace is trusted and has a dbt project whose warehouse Medallion resolved: Ctrl+Enter runs the query then. */
  warehouseActive: 'medallion.warehouseActive',
} as const;

export type ContextKey = (typeof ContextKeys)[keyof typeof ContextKeys];

/** `contextValue` of tree items, which drives their menus. */
export const TreeItemKinds = {
  layer: 'layer',
  table: 'table',
  model: 'table.model',
  source: 'table.source',
  snapshot: 'table.snapshot',
  column: 'column',
  message: 'message',
} as const;

export const WebviewTypes = {
  preview: 'medallion.preview',
  lineage: 'medallion.lineage',
} as const;

/** Scheme of the read-only documents that show a model's compiled SQL. */
/** Files whose name dbt turns into a node's name: renaming one makes the manifest stale (language/reparse.ts). */
export const NODE_FILE = /\.(sql|py|csv)$/i;

export const COMPILED_SCHEME = 'medallion-compiled';

export const TASK_TYPE = 'dbt';
export const TASK_SOURCE = 'dbt';
