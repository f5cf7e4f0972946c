/**
 * package.json's contributions against the ids of src/constants.ts, whose command ids the command
 * table (src/commands/index.ts) must cover by type: a command contributed without a handler, a
 * handler nobody can invoke, a menu, keybinding, link or `when` clause naming an id that no longer
 * exists, or an activation event for nothing, fails here instead of in a user's editor.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Commands, ContextKeys, TASK_TYPE, Views, WebviewTypes } from '../../src/constants';

interface MenuEntry {
  command: string;
  alt?: string;
  when?: string;
}
interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: Array<{ command: string; title: string; category?: string }>;
    menus: Record<string, MenuEntry[]>;
    keybindings: Array<{ command: string; key: string; mac?: string; when?: string }>;
    viewsContainers: Record<string, Array<{ id: string }>>;
    views: Record<string, Array<{ id: string }>>;
    viewsWelcome: Array<{ view: string; contents: string; when?: string }>;
    taskDefinitions: Array<{ type: string }>;
    walkthroughs: Array<{ steps: Array<{ description: string; completionEvents?: string[] }> }>;
  };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;
const { contributes } = manifest;
const commandIds: string[] = Object.values(Commands);
const sorted = (values: Iterable<string>): string[] => [...values].sort();

/** Every id of ours (`medallion.` something) in a text: command links, `onCommand:` events, `when` clauses. */
const ourIds = (text: string): string[] => [...text.matchAll(/\bmedallion\.[\w.]*\w/g)].map((match) => match[0]);

const menuEntries = Object.values(contributes.menus).flat();
const whenClauses = [...menuEntries, ...contributes.keybindings, ...contributes.viewsWelcome].flatMap((entry) => (entry.when ? [entry.when] : []));

describe('package.json contributions', () => {
  it('contributes exactly the commands of the typed command table, once each', () => {
    const contributed = contributes.commands.map((entry) => entry.command);
    assert.deepEqual(sorted(contributed), sorted(new Set(contributed)), 'a command contributed twice');
    assert.deepEqual(sorted(contributed), sorted(commandIds));
    for (const entry of contributes.commands) assert.equal(entry.category, 'Medallion', `${entry.command} is in the Medallion category`);
  });

  it('names only commands of the table in menus and keybindings', () => {
    const referenced = [...menuEntries.flatMap((entry) => (entry.alt ? [entry.command, entry.alt] : [entry.command])), ...contributes.keybindings.map((entry) => entry.command)];
    assert.deepEqual(
      referenced.filter((id) => !commandIds.includes(id)),
      [],
    );
  });

  it('links only to commands of the table from the welcome view and the walkthrough', () => {
    const texts = [
      ...contributes.viewsWelcome.map((entry) => entry.contents),
      ...contributes.walkthroughs.flatMap((walkthrough) => walkthrough.steps.flatMap((step) => [step.description, ...(step.completionEvents ?? [])])),
    ];
    const linked = texts.flatMap((text) => [...text.matchAll(/(?:command:|onCommand:)(medallion\.[\w.]*\w)/g)].map((match) => match[1] as string));
    assert.ok(linked.length > 0, 'the walkthrough links to commands');
    assert.deepEqual(
      linked.filter((id) => !commandIds.includes(id)),
      [],
    );
  });

  it('activates on a dbt project, its task type and its restorable panels, and nothing else', () => {
    // VS Code derives onCommand/onView events from the contributions themselves since 1.74.
    const expected = ['workspaceContains:**/dbt_project.yml', `onTaskType:${TASK_TYPE}`, ...Object.values(WebviewTypes).map((type) => `onWebviewPanel:${type}`)];
    assert.deepEqual(sorted(manifest.activationEvents), sorted(expected));
    assert.deepEqual(
      contributes.taskDefinitions.map((definition) => definition.type),
      [TASK_TYPE],
    );
  });

  it('contributes the view and the container of constants.ts', () => {
    assert.deepEqual(
      Object.values(contributes.viewsContainers).flatMap((containers) => containers.map((container) => container.id)),
      [Views.container],
    );
    assert.deepEqual(contributes.views[Views.container]?.map((view) => view.id), [Views.tree]);
    for (const entry of contributes.viewsWelcome) assert.equal(entry.view, Views.tree);
  });

  it('binds Ctrl+Enter (Cmd+Enter) to Run query in a SQL editor only where a Medallion warehouse is active', () => {
    const bindings = contributes.keybindings.filter((entry) => entry.key === 'ctrl+enter');
    assert.deepEqual(
      bindings.map((entry) => [entry.command, entry.mac]),
      [[Commands.runQuery, 'cmd+enter']],
    );
    const conditions = (bindings[0]?.when ?? '').split('&&').map((condition) => condition.trim());
    assert.deepEqual(sorted(conditions), sorted(['editorLangId == sql', 'editorTextFocus', ContextKeys.warehouseActive]));
    // The editor's Run query buttons likewise: no button in a SQL file of a workspace without a warehouse.
    const buttons = menuEntries.filter((entry) => entry.command === Commands.runQuery);
    assert.ok(buttons.length >= 2, 'editor title and context menu');
    for (const button of buttons) assert.match(button.when ?? '', new RegExp(`(^|&&)\\s*${ContextKeys.warehouseActive.replace('.', '\\.')}\\s*(&&|$)`), JSON.stringify(button));
  });

  it('uses in when clauses exactly the context keys the extension sets', () => {
    // Other ids of ours in a clause are a view (`view == medallion.layers`) or a webview type.
    const named = new Set(whenClauses.flatMap(ourIds));
    const notKeys = new Set<string>([Views.tree, ...Object.values(WebviewTypes)]);
    assert.deepEqual(sorted([...named].filter((id) => !notKeys.has(id))), sorted(Object.values(ContextKeys)));
  });
});
