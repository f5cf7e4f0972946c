/** The context keys of package.json's `when` clauses, as the extension sets them. */
import * as vscode from 'vscode';
import type { ContextKey } from './constants';

/**
 * Sets context keys with `setContext` and remembers the values: VS Code has no API that reads a
 * context key back, and the extension-host tests check what the `when` clauses see.
 */
export class ContextKeyValues {
  private readonly values = new Map<ContextKey, boolean | string>();

  /** Sets a key for the `when` clauses; resolves once VS Code has it. */
  async set(key: ContextKey, value: boolean | string): Promise<void> {
    this.values.set(key, value);
    await vscode.commands.executeCommand('setContext', key, value);
  }

  /** The value last set through `set`, undefined before. */
  get(key: ContextKey): boolean | string | undefined {
    return this.values.get(key);
  }
}
