/** Simulate purchases, upload pending batches, bootstrap, and the continuous simulation. */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { ContextKeys } from '../constants';
import { BRONZE_TABLE_NAMES } from '../core/bronze';
import { ignoreItselfInGit } from '../core/files';
import type { Ctx } from '../ctx';
import type { ExtensionWarehouse } from '../warehouse/sessions';
import { projectVar } from '../dbt/profile';
import { loadPipeline } from '../lazy';
import { DuckDbWarehouse } from '../warehouse/duckdb';
import { errorLine } from '../core/errors';

type RowCounts = Record<string, number>;

/** "events 10,234 · orders 1,000 · …" for the tables that received rows. */
export function describeRows(rows: RowCounts): string {
  const parts = BRONZE_TABLE_NAMES.filter((name) => (rows[name] ?? 0) > 0).map((name) => `${name} ${(rows[name] ?? 0).toLocaleString('en-US')}`);
  return parts.length > 0 ? parts.join(' · ') : 'no rows';
}

const batches = (count: number): string => `${count.toLocaleString('en-US')} ${count === 1 ? 'batch' : 'batches'}`;

/** Asks for a number of purchases, with the setting as the default. */
async function askPurchases(ctx: Ctx): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'Simulate purchases',
    prompt: 'How many purchases? Each is a registered customer\'s visit ending in an order; browsing and abandoned carts come along.',
    value: String(ctx.settings.purchases),
    validateInput: (value) => {
      const clean = value.trim().replace(/[_,]/g, '');
      if (!/^\d+$/.test(clean)) return 'A whole number, e.g. 1000';
      const number = Number(clean);
      return number < 1 || number > 10_000_000 ? 'Between 1 and 10,000,000' : undefined;
    },
  });
  return text === undefined ? undefined : Number(text.trim().replace(/[_,]/g, ''));
}

/** Where the plant shop's purchases go: the project's own warehouse, or a separate DuckDB file for the shop. */
export interface ShopTarget {
  file: string;
  separate: boolean;
}

const shopStateKey = (warehouseKey: string): string => `medallion.shopWarehouse:${warehouseKey}`;

/**
 * The warehouse the plant shop may be written into, asking first where it has no bronze of the
 * shop and the project does not read one (a modal naming the file and what would be created);
 * undefined when the user declined, and nothing was written.
 */
export async function shopTarget(ctx: Ctx, project: { warehouseKey: string; projectDir: string; snowflake?: unknown }): Promise<ShopTarget | undefined> {
  const remembered = ctx.extension.workspaceState.get<string>(shopStateKey(project.warehouseKey));
  if (remembered) return { file: remembered, separate: true };
  const exists = project.snowflake !== undefined || existsSync(project.warehouseKey);
  const { bronzeWriteRefusal } = loadPipeline();
  const refusal = bronzeWriteRefusal({
    label: project.warehouseKey,
    exists,
    hasBronze: exists && (await ctx.access(project.warehouseKey).use((warehouse) => warehouse.hasBronze())),
    projectReadsBronze: projectVar(project.projectDir, 'bronze_schema') !== undefined,
    namedForTheShop: false,
  });
  if (!refusal) return { file: project.warehouseKey, separate: false };
  const separate = join(project.projectDir, '.medallion', SHOP_FILE);
  const here = `Create Bronze in ${basename(project.warehouseKey)}`;
  const choice = await ctx.prompts.warning(`${refusal}.`, {
    modal: true,
    detail: `Use a separate warehouse file for the sample shop (${separate}, ignored by git), or create bronze in ${project.warehouseKey}.`,
  }, SEPARATE_CHOICE, here);
  if (choice === here) return { file: project.warehouseKey, separate: false };
  if (choice !== SEPARATE_CHOICE) {
    ctx.output.info(`simulate: declined; nothing was written to ${project.warehouseKey}`);
    return undefined;
  }
  await ctx.extension.workspaceState.update(shopStateKey(project.warehouseKey), separate);
  return { file: separate, separate: true };
}

const SEPARATE_CHOICE = 'Use a Separate Warehouse File';
/** The sample shop's own warehouse in a project that is not built on it. */
const SHOP_FILE = 'plant-shop.duckdb';

/** Runs work with the shop's warehouse: the shared access of the project's, or the separate file opened for it alone. */
async function withShopWarehouse<T>(ctx: Ctx, target: ShopTarget, work: (warehouse: ExtensionWarehouse) => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!target.separate) return ctx.access(target.file).use(work, signal);
  ignoreItselfInGit(dirname(target.file));
  const warehouse = await DuckDbWarehouse.open(target.file, { create: true });
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** Runs one simulation into bronze; shared by the command and the continuous simulation. */
async function simulateInto(
  ctx: Ctx,
  target: ShopTarget,
  purchases: number,
  options: { signal?: AbortSignal; report?: (message: string, increment?: number) => void } = {},
): Promise<{ purchases: number; rows: RowCounts; batches: number; squeezed?: string }> {
  const { simulate, initWarehouse, generatorThreads, describeSqueeze } = loadPipeline();
  const store = ctx.store(target.file);
  const paused = target.separate ? undefined : ctx.access(target.file).pausedReason;
  if (paused) options.report?.(`waiting: ${paused}`);
  return withShopWarehouse(ctx, target, async (warehouse) => {
    // A warehouse without simulation state is made ready first (tables, and its own history or ours).
    if (!store.hasState()) await initWarehouse(store, warehouse, {});
    let last = 0;
    const summary = await simulate(store, {
      purchases,
      seed: ctx.settings.seed || undefined,
      uploadTo: warehouse,
      // Live, as the CLI without --fast-forward: nothing happens after now, a burst is squeezed into the time since the last batch.
      followRealTime: true,
      threads: generatorThreads(),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (event) => {
        if (event.kind !== 'generating') return;
        const percent = (event.done / event.total) * 100;
        options.report?.(`${event.done.toLocaleString('en-US')} of ${event.total.toLocaleString('en-US')} purchases`, percent - last);
        last = percent;
      },
    });
    return {
      purchases: summary.purchases,
      rows: summary.upload?.rows ?? {},
      batches: summary.batches.length,
      ...(summary.squeezed ? { squeezed: describeSqueeze(summary.purchases, summary.squeezed) } : {}),
    };
  }, options.signal);
}

/** "bronze" or "the sample shop's own warehouse X (your warehouse is untouched)". */
const whereTo = (target: ShopTarget): string => (target.separate ? `the sample shop's own warehouse ${target.file} (your project's warehouse is untouched)` : 'bronze');

export const simulatePurchases = (ctx: Ctx) => async (count?: number): Promise<{ purchases: number; rows: RowCounts; target: ShopTarget } | undefined> => {
  if (!ctx.requireTrust()) return undefined;
  const project = await ctx.requireProject();
  if (!project) return undefined;
  const purchases = typeof count === 'number' ? count : await askPurchases(ctx);
  if (purchases === undefined) return undefined;
  const target = await shopTarget(ctx, project);
  if (!target) return undefined;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Simulating ${purchases.toLocaleString('en-US')} purchases`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return simulateInto(ctx, target, purchases, {
          signal: controller.signal,
          report: (message, increment) => progress.report({ message, ...(increment !== undefined ? { increment } : {}) }),
        });
      },
    );
    ctx.output.info(`simulated ${result.purchases} purchases into ${target.file}: ${describeRows(result.rows)}`);
    if (result.squeezed) ctx.output.info(result.squeezed);
    ctx.tree.refresh();
    const message = `Added ${result.purchases.toLocaleString('en-US')} purchases to ${whereTo(target)}: ${describeRows(result.rows)}.`;
    if (target.separate) void vscode.window.showInformationMessage(message);
    else {
      void vscode.window.showInformationMessage(message, 'Run dbt build').then((choice) => {
        if (choice) void vscode.commands.executeCommand('medallion.runDbt', 'build');
      });
    }
    return { ...result, target };
  } catch (error) {
    ctx.tree.refresh();
    if (errorLine(error) === 'cancelled') {
      void vscode.window.showInformationMessage('Simulation cancelled; the batches already written stay in the outbox or bronze, nothing was lost.');
      return undefined;
    }
    ctx.output.error(`simulate: ${errorLine(error)}`);
    void vscode.window.showErrorMessage(`Simulate purchases failed: ${errorLine(error)}`);
    return undefined;
  }
};

export const uploadPending = (ctx: Ctx) => async (): Promise<void> => {
  if (!ctx.requireTrust()) return;
  const project = await ctx.requireProject();
  if (!project) return;
  const store = ctx.store(project.warehouseKey);
  const pending = store.outbox.pendingIds().length;
  if (pending === 0) {
    void vscode.window.showInformationMessage('Nothing to upload: the outbox is empty.');
    return;
  }
  try {
    const summary = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Uploading ${batches(pending)}` }, () =>
      ctx.access(project.warehouseKey).use((warehouse) => loadPipeline().uploadPending(store, warehouse)),
    );
    ctx.tree.refresh();
    void vscode.window.showInformationMessage(`Uploaded ${batches(summary.batches)} to bronze: ${describeRows(summary.rows)}.`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Upload failed (the batches stay pending): ${errorLine(error)}`);
  }
};

export const bootstrapWarehouse = (ctx: Ctx) => async (): Promise<void> => {
  if (!ctx.requireTrust()) return;
  const project = await ctx.requireProject();
  if (!project) return;
  const target = await shopTarget(ctx, project);
  if (!target) return;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Bootstrapping the warehouse' },
      async (progress) => {
        progress.report({ message: 'bronze tables, catalogue, promos, budget and a history of purchases' });
        const { initWarehouse } = loadPipeline();
        return withShopWarehouse(ctx, target, (warehouse) => initWarehouse(ctx.store(target.file), warehouse, {}));
      },
    );
    ctx.tree.refresh();
    const message =
      result.kind === 'bootstrapped'
        ? `Bootstrapped ${target.file} with ${result.simulate.purchases.toLocaleString('en-US')} purchases of history.`
        : result.kind === 'adopted'
          ? `Bronze already held data: simulations continue it (${result.products} products, ${result.customers} customers).`
          : 'The warehouse is already bootstrapped.';
    void vscode.window.showInformationMessage(message, 'Run dbt build').then((choice) => {
      if (choice) void vscode.commands.executeCommand('medallion.runDbt', 'build');
    });
  } catch (error) {
    void vscode.window.showErrorMessage(`Bootstrap failed: ${errorLine(error)}`);
  }
};

/** A simulation every N minutes, shown in the status bar; a run is skipped while the last one or dbt is busy. */
export class ContinuousSimulation implements vscode.Disposable {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  private total = 0;
  private readonly item = vscode.window.createStatusBarItem('medallion.continuous', vscode.StatusBarAlignment.Left, 10);

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'Medallion continuous simulation';
    this.item.command = 'medallion.stopContinuousSimulation';
  }

  get isRunning(): boolean {
    return this.timer !== undefined;
  }

  async start(): Promise<void> {
    if (this.timer || !this.ctx.requireTrust()) return;
    const project = await this.ctx.requireProject();
    if (!project) return;
    const target = await shopTarget(this.ctx, project);
    if (!target) return;
    const minutes = Math.max(0.1, this.ctx.settings.intervalMinutes);
    const purchases = this.ctx.settings.purchases;
    this.total = 0;
    this.timer = setInterval(() => void this.tick(target, purchases), minutes * 60_000);
    await this.ctx.contextKeys.set(ContextKeys.continuousSimulation, true);
    this.show(`every ${minutes} min`);
    this.ctx.output.info(`continuous simulation: ${purchases} purchases every ${minutes} min`);
    void this.tick(target, purchases);
  }

  private show(detail: string): void {
    this.item.text = `$(sync${this.running ? '~spin' : ''}) Medallion: ${this.total.toLocaleString('en-US')} purchases, ${detail}`;
    this.item.tooltip = 'Continuous simulation of purchases into bronze. Click to stop.';
    this.item.show();
  }

  private async tick(target: ShopTarget, purchases: number): Promise<void> {
    if (this.running) return;
    const paused = target.separate ? undefined : this.ctx.access(target.file).pausedReason;
    if (paused) {
      this.show(`skipped a run: ${paused}`);
      return;
    }
    this.running = true;
    this.show('simulating…');
    try {
      const result = await simulateInto(this.ctx, target, purchases);
      this.total += result.purchases;
      this.ctx.output.info(`continuous simulation: +${result.purchases} purchases (${describeRows(result.rows)})`);
      if (result.squeezed) this.ctx.output.info(result.squeezed);
      this.ctx.tree.refresh();
      this.running = false;
      this.show(`every ${this.ctx.settings.intervalMinutes} min`);
    } catch (error) {
      this.running = false;
      await this.stop();
      void vscode.window.showErrorMessage(`Continuous simulation stopped: ${errorLine(error)}`);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.item.hide();
    await this.ctx.contextKeys.set(ContextKeys.continuousSimulation, false);
    if (this.total > 0) this.ctx.output.info(`continuous simulation stopped after ${this.total} purchases`);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.item.dispose();
  }
}
