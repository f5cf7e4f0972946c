/**
 * The Problems panel for dbt runs: owns one DiagnosticCollection and keeps each project's
 * diagnostics apart, so a run clears its own project's problems at start and replaces them at
 * the end without touching another project's. The records come from dbt/problems.ts.
 */
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import type { ProblemRecord, ProblemSeverity } from '../dbt/problems';

export const DIAGNOSTIC_SOURCE = 'dbt';

const SEVERITY: Record<ProblemSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/** A record as a diagnostic spanning its whole line (line 0 when the line is unknown). */
export function toDiagnostic(record: ProblemRecord): vscode.Diagnostic {
  const line = record.line ?? 0;
  // VS Code clamps the end to the line's length.
  const diagnostic = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), record.message, SEVERITY[record.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = record.code;
  return diagnostic;
}

export class DbtDiagnostics implements vscode.Disposable {
  private readonly filesByProject = new Map<string, vscode.Uri[]>();

  constructor(readonly collection: vscode.DiagnosticCollection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE)) {}

  /** Removes every diagnostic a project's last run left. */
  clear(projectDir: string): void {
    const key = resolve(projectDir);
    for (const uri of this.filesByProject.get(key) ?? []) this.collection.delete(uri);
    this.filesByProject.delete(key);
  }

  /** Replaces a project's diagnostics with these records (none: the project is clean). */
  set(projectDir: string, records: readonly ProblemRecord[]): void {
    this.clear(projectDir);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const record of records) {
      const list = byFile.get(record.file);
      if (list) list.push(toDiagnostic(record));
      else byFile.set(record.file, [toDiagnostic(record)]);
    }
    const uris: vscode.Uri[] = [];
    for (const [file, diagnostics] of byFile) {
      const uri = vscode.Uri.file(file);
      // Two projects never share a file, but two records of one run may: append, do not overwrite.
      this.collection.set(uri, [...(this.collection.get(uri) ?? []), ...diagnostics]);
      uris.push(uri);
    }
    this.filesByProject.set(resolve(projectDir), uris);
  }

  /** The current diagnostics of a file (for tests and the tree). */
  get(file: string): readonly vscode.Diagnostic[] {
    return this.collection.get(vscode.Uri.file(file)) ?? [];
  }

  dispose(): void {
    this.collection.dispose();
    this.filesByProject.clear();
  }
}
