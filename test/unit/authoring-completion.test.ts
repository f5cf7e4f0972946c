import { strict as assert } from 'node:assert';
import { completionAt, yamlCompletionAt } from '../../src/authoring/completion';
import { columnHoverAt } from '../../src/authoring/navigation';
import { significant, tokenizeSql } from '../../src/authoring/sqlTokens';
import { LineIndex } from '../../src/authoring/text';
import { projectFiles, sampleIndex, syntheticIndex } from '../support/authoring';
import { SAMPLE } from '../support/dbt';
import { syntheticProject } from '../support/syntheticProject';

const index = sampleIndex();

/** Completion at the `|` of a template. */
function complete(template: string, on = index) {
  const offset = template.indexOf('|');
  const text = template.replace('|', '');
  const result = completionAt(on, text, new LineIndex(text).positionAt(offset));
  return result && { ...result, labels: result.items.map((item) => item.label) };
}

describe('authoring: completion', () => {
  it('offers models, seeds and snapshots in ref(, with the range of the name being typed', () => {
    const result = complete("select * from {{ ref('stg_o|') }}");
    assert.ok(result);
    assert.ok(result.labels.includes('stg_orders') && result.labels.includes('users_snapshot') && result.labels.includes('fct_orders'));
    const item = result.items.find((entry) => entry.label === 'stg_orders');
    assert.deepEqual(item?.range, { start: { line: 0, character: 22 }, end: { line: 0, character: 27 } });
    assert.equal(item?.insertText, 'stg_orders');
    assert.equal(item?.detail, 'model · silver · incremental');
    assert.equal(complete('{{ ref(|')?.items[0]?.insertText.startsWith("'"), true);
  });

  it('offers source names in source(, and that source\'s tables after it', () => {
    assert.deepEqual(complete("{{ source('|') }}")?.labels, ['google_sheets', 'sql_server_dbo']);
    assert.deepEqual(complete("{{ source('sql_server_dbo', 'or|') }}")?.labels, ['addresses', 'events', 'order_items', 'orders', 'products', 'promos', 'users']);
    assert.deepEqual(complete("{{ source('nope', '|') }}")?.labels, []);
  });

  it('offers the columns of a ref, a source, a CTE or a subquery after its alias, in order', () => {
    const orders = index.ref('stg_orders')?.columns.map((column) => column.name);
    assert.deepEqual(complete("select o.| from {{ ref('stg_orders') }} as o")?.labels, orders);
    assert.deepEqual(complete("select stg_orders.ord| from {{ ref('stg_orders') }}")?.labels, orders);
    const users = index.source('sql_server_dbo', 'users')?.columns.map((column) => column.name);
    assert.deepEqual(complete("with u as (select * from {{ source('sql_server_dbo', 'users') }}) select u.| from u")?.labels, users);
    // A CTE with an explicit select list: exactly its columns, with the type and description of passed-through ones.
    const cte = complete("with x as (select o.order_id, o.status as state, count(*) as n, lower(o.status) from {{ ref('stg_orders') }} o group by 1, 2) select x.| from x");
    assert.deepEqual(cte?.labels, ['order_id', 'state', 'n']);
    assert.equal(cte?.incomplete, 'an expression of x has no name');
    assert.equal(cte?.items[0]?.documentation, 'UUID of the order.');
    assert.deepEqual(complete('select s.| from (select 1 as one, 2 two) s')?.labels, ['one', 'two']);
    // The alias of the enclosing query, also from a correlated subquery.
    assert.deepEqual(complete("select (select max(o.|) from {{ ref('stg_users') }} u) from {{ ref('stg_orders') }} o")?.labels, orders);
    // Later joins in the same query count; a half-written query still works.
    assert.ok(complete("select p.| from {{ ref('stg_orders') }} o join {{ ref('stg_products') }} p on p.product_id = o.order_id")?.labels.includes('price_usd'));
    assert.deepEqual(complete("with a as (select * from {{ ref('stg_orders') }}) select a.|")?.labels, orders);
  });

  it('says when the list may be incomplete, and offers nothing where no alias applies', () => {
    assert.match(complete('select z.| from somewhere z')?.incomplete ?? '', /somewhere is not a known relation/);
    assert.match(complete('select q.| from x')?.incomplete ?? '', /q is not a relation of this query/);
    assert.equal(complete("select 'o.|' from t o"), undefined);
    assert.equal(complete('select o. | from t o'), undefined);
    assert.equal(complete('-- o.|'), undefined);
  });

  it('lists, after every alias. in every dbt-sample model, the column written there (or says the list is incomplete)', () => {
    let found = 0;
    let incomplete = 0;
    for (const file of projectFiles(SAMPLE).filter((entry) => entry.path.startsWith('models/') && entry.path.endsWith('.sql'))) {
      const tokens = significant(tokenizeSql(file.text));
      const lines = new LineIndex(file.text);
      for (let at = 2; at < tokens.length; at++) {
        const [alias, dot, column] = [tokens[at - 2], tokens[at - 1], tokens[at]];
        if (alias?.kind !== 'word' || dot?.text !== '.' || column?.kind !== 'word' || tokens[at - 3]?.text === '.' || alias.end !== dot.start) continue;
        const result = completionAt(index, file.text, lines.positionAt(dot.end));
        assert.ok(result, `${file.path}: ${alias.text}.${column.text}`);
        if (result.items.some((item) => item.label.toLowerCase() === column.value)) found++;
        else {
          assert.ok(result.incomplete, `${file.path}:${lines.positionAt(dot.end).line + 1}: ${alias.text}.${column.text} not offered among ${result.items.map((item) => item.label).join(', ')}`);
          incomplete++;
        }
      }
    }
    assert.ok(found > 150, `${found} found, ${incomplete} incomplete`);
    assert.ok(incomplete < found / 10, `${found} found, ${incomplete} incomplete`);
  });

  it('answers within a generated 1,000-model project from its index', () => {
    const project = syntheticProject();
    const synthetic = syntheticIndex(project);
    const model = project.models[project.models.length - 1];
    assert.ok(model);
    const text = model.raw.replace(/select \* from final\s*$/, 'select base. from base');
    const offset = text.lastIndexOf('base.') + 5;
    const result = completionAt(synthetic, text, new LineIndex(text).positionAt(offset));
    assert.deepEqual(result?.items.map((item) => item.label), synthetic.nodes.get(model.parents[0] ?? '')?.columns.map((column) => column.name));
    assert.equal(complete("{{ ref('|", synthetic)?.items.length, 1000);
  });
});

describe('authoring: hover of alias.column', () => {
  /** The hover at the `|` of a template. */
  function hover(template: string) {
    const offset = template.indexOf('|');
    const text = template.replace('|', '');
    return columnHoverAt(index, text, new LineIndex(text).positionAt(offset));
  }

  it('names the column, its type, where it comes from and its description, over the whole alias.column', () => {
    const text = "select o.order_id from {{ ref('stg_orders') }} as o";
    for (const at of [9, 12, 17]) {
      const found = columnHoverAt(index, text, new LineIndex(text).positionAt(at));
      assert.ok(found, `at ${at}`);
      assert.match(found.markdown, /^`o\.order_id`/);
      assert.match(found.markdown, /UUID of the order\./, 'the description from the YAML');
      assert.deepEqual(found.range, { start: { line: 0, character: 7 }, end: { line: 0, character: 17 } });
    }
    // Through a CTE that renames a column: the CTE's name, the type and description of the source column.
    const cte = hover("with x as (select o.order_id, o.status as state from {{ ref('stg_orders') }} o) select x.sta|te from x");
    assert.match(cte?.markdown ?? '', /`x\.state`.*from x/);
  });

  it('says nothing where no alias.column is, or for a column the relation does not have', () => {
    assert.equal(hover("select o.nope| from {{ ref('stg_orders') }} as o"), undefined);
    assert.equal(hover("select order_i|d from {{ ref('stg_orders') }} as o"), undefined);
    assert.equal(hover('select q.x| from t'), undefined);
    assert.equal(hover('select main.t.c|ol from main.t'), undefined);
    assert.equal(hover("select 'o.order_id|' from {{ ref('stg_orders') }} o"), undefined);
  });
});

describe('authoring: completion in dbt YAML', () => {
  /** YAML completion at the `|` of a template. */
  function completeYaml(template: string) {
    const offset = template.indexOf('|');
    const text = template.replace('|', '');
    const result = yamlCompletionAt(index, text, new LineIndex(text).positionAt(offset));
    return result && { ...result, labels: result.items.map((item) => item.label) };
  }

  it("offers models in a relationships test's to: ref(', quoted or not, replacing the name being typed", () => {
    const yaml = "models:\n  - name: stg_users\n    columns:\n      - name: address_id\n        data_tests:\n          - relationships:\n              arguments:\n                to: ref('stg_a|')\n";
    const result = completeYaml(yaml);
    assert.ok(result?.labels.includes('stg_addresses'), result?.labels.join(', '));
    const item = result?.items.find((entry) => entry.label === 'stg_addresses');
    assert.equal(item?.insertText, 'stg_addresses');
    assert.deepEqual(item?.range, { start: { line: 7, character: 25 }, end: { line: 7, character: 30 } });
    assert.ok(completeYaml('        to: "ref(\'|\')"\n')?.labels.includes('stg_orders'), 'a value in YAML quotes');
    assert.deepEqual(completeYaml("        to: source('|')")?.labels, ['google_sheets', 'sql_server_dbo']);
    const synthetic = syntheticIndex(syntheticProject({ models: 20 }));
    const text = "    description: \"{{ doc('') }}\"";
    const docs = yamlCompletionAt(synthetic, text, new LineIndex(text).positionAt(text.indexOf("('") + 2));
    assert.deepEqual(docs?.items.map((entry) => entry.label), ['loaded_at'], 'doc() in a description');
    assert.equal(completeYaml('    description: refers to some|'), undefined);
  });

  it('offers, in the columns: list of a model or a source table, the columns it has that the list does not name yet', () => {
    const orders = index.ref('stg_orders')?.columns.map((column) => column.name) ?? [];
    assert.ok(orders.length > 3);
    const model = completeYaml(`version: 2\nmodels:\n  - name: stg_orders\n    description: x\n    config:\n      materialized: table\n    columns:\n      - name: ${orders[0]}\n        description: y\n        data_tests:\n          - unique\n      - name: |\n`);
    assert.deepEqual(model?.labels, orders.slice(1));
    const addresses = index.source('sql_server_dbo', 'addresses')?.columns.map((column) => column.name) ?? [];
    const source = completeYaml('sources:\n  - name: sql_server_dbo\n    tables:\n      - name: addresses\n        columns:\n          - name: zip|\n');
    assert.deepEqual(source?.labels, addresses);
    assert.deepEqual(source?.items[0]?.range, { start: { line: 5, character: 18 }, end: { line: 5, character: 21 } });
    // Not a columns list, or a model the manifest does not know.
    assert.equal(completeYaml('models:\n  - name: |\n'), undefined);
    assert.equal(completeYaml('models:\n  - name: nope\n    columns:\n      - name: |\n'), undefined);
  });

  it("in every columns: list of dbt-sample's YAML, offers at each item exactly the node's columns the other items do not name", () => {
    let lists = 0;
    for (const file of projectFiles(SAMPLE).filter((entry) => entry.path.startsWith('models/') && /\.ya?ml$/.test(entry.path))) {
      const lines = file.text.split('\n');
      lines.forEach((line, row) => {
        const item = /^(\s*)- name: (\w+)$/.exec(line);
        const indent = item?.[1]?.length ?? 0;
        const indentOf = (text: string): number => /^\s*/.exec(text)?.[0].length ?? 0;
        const parent = lines.slice(0, row).reverse().find((above) => above.trim() !== '' && indentOf(above) < indent);
        if (!item || !/^\s*columns:\s*$/.test(parent ?? '')) return;
        // The list: the items at this indent between `columns:` and the first line indented less.
        const start = lines.lastIndexOf(parent as string, row);
        const end = lines.findIndex((below, at) => at > start && below.trim() !== '' && indentOf(below) <= indentOf(parent as string));
        const others = lines.slice(start + 1, end < 0 ? lines.length : end).flatMap((other, at) => {
          const sibling = /^(\s*)- name: (\w+)/.exec(other);
          return sibling && sibling[1]?.length === indent && start + 1 + at !== row ? [sibling[2]] : [];
        });
        const owner = lines.slice(0, start).reverse().find((above) => /^\s*- name: \w+/.test(above) && indentOf(above) < indentOf(parent as string));
        const name = /- name: (\w+)/.exec(owner ?? '')?.[1] ?? '';
        const node = file.text.includes('\nsources:') ? undefined : index.ref(name);
        if (!node) return;
        const result = yamlCompletionAt(index, file.text, { line: row, character: line.length });
        assert.deepEqual(result?.items.map((entry) => entry.label), node.columns.map((column) => column.name).filter((column) => !others.includes(column)), `${file.path}:${row + 1}`);
        lists++;
      });
    }
    assert.ok(lists > 50, `${lists} items checked`);
  });
});
