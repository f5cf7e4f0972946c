/**
 * Snowflake secrets: a password or a key passphrase, kept only in VS Code's SecretStorage (the
 * operating system's keychain), never in settings, files, logs or messages.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { secretKey } from '../tasks/environment';
import type { SnowflakeSettings } from '../warehouse/snowflake/settings';

/** The secret the authenticator needs, or undefined (SSO needs none). */
function secretKind(settings: SnowflakeSettings): { kind: 'password' | 'passphrase'; label: string } | undefined {
  if (settings.authenticator === 'snowflake') return { kind: 'password', label: `password of ${settings.user}` };
  if (settings.authenticator === 'snowflake_jwt') return { kind: 'passphrase', label: `passphrase of the private key ${settings.privateKeyPath ?? ''}` };
  return undefined;
}

async function snowflakeProject(ctx: Ctx): Promise<SnowflakeSettings | undefined> {
  const project = await ctx.project();
  if (project?.snowflake) return project.snowflake;
  const reason = project?.warehouse === 'snowflake' ? project.targetProblem : 'the warehouse of this workspace is not Snowflake (see medallion.warehouse and the dbt target)';
  void vscode.window.showErrorMessage(`Medallion: ${reason ?? 'no Snowflake warehouse configured'}`);
  return undefined;
}

export const setSnowflakeSecret = (ctx: Ctx) => async (value?: string): Promise<boolean> => {
  const settings = await snowflakeProject(ctx);
  if (!settings) return false;
  const secret = secretKind(settings);
  if (!secret) {
    void vscode.window.showInformationMessage(`Medallion: ${settings.authenticator} sign-in needs no secret; Snowflake opens your browser when needed.`);
    return false;
  }
  const text =
    typeof value === 'string'
      ? value
      : await vscode.window.showInputBox({
          title: `Snowflake ${settings.account}`,
          prompt: `The ${secret.label}. It is kept in VS Code's secret storage and only ever sent to Snowflake and to dbt's process.`,
          password: true,
          ignoreFocusOut: true,
          validateInput: (input) => (input === '' ? 'Empty: press Escape to keep the current one' : undefined),
        });
  if (text === undefined || text === '') return false;
  await ctx.extension.secrets.store(secretKey(settings, secret.kind), text);
  ctx.output.info(`stored the ${secret.kind} for ${settings.user} on ${settings.account} in the secret storage`);
  return true;
};

export const clearSnowflakeSecret = (ctx: Ctx) => async (): Promise<void> => {
  const settings = await snowflakeProject(ctx);
  if (!settings) return;
  await ctx.extension.secrets.delete(secretKey(settings, 'password'));
  await ctx.extension.secrets.delete(secretKey(settings, 'passphrase'));
  void vscode.window.showInformationMessage(`Medallion forgot the Snowflake secrets of ${settings.user} on ${settings.account}.`);
};
