/**
 * The authoring bundle (dist/authoring.js), loaded on first use through lazy.ts: navigation,
 * completion, code lenses, rename, compiled SQL, CTE preview and the lineage panel, with the pure
 * authoring core and DuckDB's parser behind them. Nothing here runs at activation.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { LineagePanel } from '../views/lineagePanel';
import { CompiledSql } from './compiled';
import { LineageFeature } from './lineage';
import { DbtLanguageFeatures } from './providers';
import { ParseAfterRename } from './reparse';
import { AuthoringService } from './service';

/** What the front door's thin registrations delegate to once loaded. */
export interface Authoring extends vscode.Disposable {
  features: DbtLanguageFeatures;
  compiled: CompiledSql;
  lineage: LineageFeature;
  reparse: ParseAfterRename;
}

/** Builds the authoring features over the extension's context. */
export function createAuthoring(ctx: Ctx): Authoring {
  const service = new AuthoringService(ctx);
  const compiled = new CompiledSql(ctx, service);
  const reparse = new ParseAfterRename(ctx, service, compiled);
  return {
    features: new DbtLanguageFeatures(service),
    compiled,
    lineage: new LineageFeature(ctx, service),
    reparse,
    dispose() {
      LineagePanel.current?.dispose();
      reparse.dispose();
      compiled.dispose();
      service.dispose();
    },
  };
}
