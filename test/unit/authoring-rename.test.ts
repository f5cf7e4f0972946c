import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { scanFile } from '../../src/authoring/jinja';
import { applyRenamePlan, planModelRename, RenameError, type ProjectFile } from '../../src/authoring/rename';
import { projectFiles, sampleIndex } from '../support/authoring';
import { SAMPLE } from '../support/dbt';

const index = sampleIndex();
const files = projectFiles(SAMPLE);
const refsTo = (all: readonly ProjectFile[], name: string): number => all.reduce((count, file) => count + scanFile(file.path, file.text).filter((reference) => reference.kind === 'ref' && reference.name === name).length, 0);
const modelNames = (all: readonly ProjectFile[]): string[] =>
  all.filter((file) => file.path.endsWith('.yml') && file.path !== 'dbt_project.yml').flatMap((file) => ((parse(file.text) as { models?: Array<{ name: string }> } | null)?.models ?? []).map((model) => model.name));

describe('authoring: renaming a model', () => {
  it('renames every dbt-sample model everywhere, leaves no old ref, and renaming back restores every file byte for byte', () => {
    const models = [...index.nodes.values()].filter((node) => node.kind === 'model');
    assert.ok(models.length >= 20);
    for (const model of models) {
      const newName = `${model.name}_renamed`;
      const before = refsTo(files, model.name);
      const plan = planModelRename({ files, oldName: model.name, newName, index });
      assert.deepEqual(plan.renames, [{ from: model.file, to: model.file?.replace(/[^/]+\.sql$/, `${newName}.sql`) }]);
      const after = applyRenamePlan(files, plan);
      assert.equal(refsTo(after, model.name), 0, `${model.name}: a ref to the old name is left`);
      assert.equal(refsTo(after, newName), before, `${model.name}: every ref renamed`);
      const names = modelNames(after);
      assert.ok(names.includes(newName) && !names.includes(model.name), `${model.name}: its YAML entry`);
      assert.ok(after.some((file) => file.path === plan.renames[0]?.to) && !after.some((file) => file.path === model.file));
      // Nothing but those names changed: the way back restores every file exactly.
      const back = applyRenamePlan(after, planModelRename({ files: after, oldName: newName, newName: model.name, projectName: 'greenery' }));
      assert.deepEqual(back, files, `${model.name}: renaming back`);
    }
  });

  it('edits exactly the names: quotes kept, package refs of the project, versions, YAML refs, unit tests and dbt_project.yml', () => {
    const project: ProjectFile[] = [
      { path: 'dbt_project.yml', text: 'name: shop\nmodels:\n  shop:\n    marts:\n      orders:\n        +materialized: table\n      orders_daily:\n        +materialized: view\nseeds:\n  shop:\n    orders:\n      +enabled: true\n' },
      { path: 'models/marts/orders.sql', text: "select * from {{ source('shop', 'orders') }}" },
      { path: 'models/marts/report.sql', text: `select * from {{ ref("orders") }} join {{ ref('shop', 'orders') }} join {{ ref('other', 'orders') }} join {{ ref('orders', v=2) }} join {{ ref('orders_daily') }}` },
      {
        path: 'models/marts/_models.yml',
        text: [
          'models:',
          "  - name: 'orders'",
          '    columns:',
          '      - name: orders',
          '        tests:',
          '          - relationships:',
          "              to: ref('orders')",
          '  - name: report',
          'sources:',
          '  - name: shop',
          '    tables:',
          '      - name: orders',
          'unit_tests:',
          '  - name: t',
          '    model: orders',
          '    given:',
          "      - input: ref('orders')",
          '',
        ].join('\n'),
      },
    ];
    const plan = planModelRename({ files: project, oldName: 'orders', newName: 'purchases', projectName: 'shop' });
    const after = new Map(applyRenamePlan(project, plan).map((file) => [file.path, file.text]));
    assert.equal(after.get('dbt_project.yml'), project[0]?.text.replace('      orders:\n        +materialized: table', '      purchases:\n        +materialized: table'));
    assert.equal(after.get('models/marts/purchases.sql'), project[1]?.text);
    assert.equal(after.get('models/marts/report.sql'), `select * from {{ ref("purchases") }} join {{ ref('shop', 'purchases') }} join {{ ref('other', 'orders') }} join {{ ref('purchases', v=2) }} join {{ ref('orders_daily') }}`);
    const yaml = after.get('models/marts/_models.yml') ?? '';
    assert.match(yaml, /^ {2}- name: 'purchases'$/m);
    assert.match(yaml, /^ {6}- name: orders$/m, 'a column of the same name stays');
    assert.match(yaml, /^ {6}- name: orders\nunit_tests/m, 'a source table of the same name stays');
    assert.match(yaml, /to: ref\('purchases'\)/);
    assert.match(yaml, /model: purchases/);
    assert.match(yaml, /input: ref\('purchases'\)/);
    const report = project[2]?.text ?? '';
    const plannedRanges = plan.edits.filter((edit) => edit.path === 'models/marts/report.sql').map((edit) => [edit.range.start.character, edit.range.end.character]);
    const starts = [report.indexOf('"orders"') + 1, report.indexOf("'shop', 'orders'") + 9, report.indexOf("ref('orders', v") + 5];
    assert.deepEqual(plannedRanges, starts.map((start) => [start, start + 'orders'.length]));
  });

  it('refuses with one clear line: a bad name, a taken name, the same name, a model that does not exist, a snapshot', () => {
    const refuse = (oldName: string, newName: string, message: RegExp) =>
      assert.throws(
        () => planModelRename({ files, oldName, newName, index }),
        (error: unknown) => error instanceof RenameError && message.test(error.message) && !error.message.includes('\n'),
      );
    for (const bad of ['', '1orders', 'stg-orders', 'stg orders', 'stg_örders', "x'); drop"]) refuse('stg_orders', bad, /is not a valid model name: use letters, digits and underscores, not starting with a digit/);
    refuse('stg_orders', 'stg_users', /^a model named stg_users already exists \(models\/staging\/sql_server_dbo\/stg_users.sql\)$/);
    refuse('stg_orders', 'users_snapshot', /^a snapshot named users_snapshot already exists/);
    refuse('stg_orders', 'stg_orders', /already named stg_orders/);
    refuse('no_such_model', 'anything', /^there is no model named no_such_model$/);
    refuse('users_snapshot', 'people_snapshot', /^users_snapshot is a snapshot, not a model$/);
    // Without a manifest (a model not parsed yet), a file of that name is the clash.
    assert.throws(() => planModelRename({ files: [...files, { path: 'models/x/stg_orders_v2.sql', text: '' }], oldName: 'stg_orders', newName: 'stg_orders_v2', projectName: 'greenery' }), /^RenameError: a file named stg_orders_v2.sql already exists \(models\/x\/stg_orders_v2.sql\)$/);
  });
});
