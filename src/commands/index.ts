/**
 * The command table: each entry is a factory `(ctx) => handler`, registered in one loop by the
 * front door. Its type demands a handler for every id of constants.ts, which a unit test
 * (test/unit/contributions.test.ts) holds equal to the commands package.json contributes.
 */
import * as vscode from 'vscode';
import { Commands, type CommandId } from '../constants';
import type { Ctx } from '../ctx';
import type { LazyAuthoring } from '../language/register';
import { previewCte, showCompiledSql, showLineage } from './authoring';
import { buildModel, buildModelDownstream, runDbt, runModel, selectDbt, testModel } from './dbt';
import { previewTable, runQuery, toggleColumnProfiles } from './preview';
import { bootstrapWarehouse, ContinuousSimulation, simulatePurchases, uploadPending } from './simulation';
import { clearSnowflakeSecret, setSnowflakeSecret } from './snowflake';
import { copyQualifiedName, openModelSql, refreshTree, showOutput } from './tables';

type Handler = (...args: never[]) => unknown;
type Factory = (ctx: Ctx, services: Services) => Handler;

/** Long-lived pieces some commands share. */
export interface Services {
  continuous: ContinuousSimulation;
  /** The authoring features, loaded on first use. */
  authoring: LazyAuthoring;
}

/** Complete by type: an id without a handler, or a handler without an id, does not compile. */
const COMMANDS: Record<CommandId, Factory> = {
  [Commands.showOutput]: showOutput,
  [Commands.simulatePurchases]: simulatePurchases,
  [Commands.uploadPending]: uploadPending,
  [Commands.bootstrapWarehouse]: bootstrapWarehouse,
  [Commands.startContinuousSimulation]: (_ctx, { continuous }) => () => continuous.start(),
  [Commands.stopContinuousSimulation]: (_ctx, { continuous }) => () => continuous.stop(),
  [Commands.refreshTree]: refreshTree,
  [Commands.copyQualifiedName]: copyQualifiedName,
  [Commands.openModelSql]: openModelSql,
  [Commands.runDbt]: runDbt,
  [Commands.runModel]: runModel,
  [Commands.testModel]: testModel,
  [Commands.buildModel]: buildModel,
  [Commands.buildModelDownstream]: buildModelDownstream,
  [Commands.selectDbt]: selectDbt,
  [Commands.previewTable]: previewTable,
  [Commands.runQuery]: runQuery,
  [Commands.toggleColumnProfiles]: toggleColumnProfiles,
  [Commands.setSnowflakeSecret]: setSnowflakeSecret,
  [Commands.clearSnowflakeSecret]: clearSnowflakeSecret,
  [Commands.showLineage]: showLineage,
  [Commands.showCompiledSql]: showCompiledSql,
  [Commands.previewCte]: previewCte,
};

/** Registers every command; the disposables go to the extension's subscriptions. */
export function registerCommands(ctx: Ctx, services: Services): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, factory]) => vscode.commands.registerCommand(id, factory(ctx, services) as (...args: unknown[]) => unknown));
}
