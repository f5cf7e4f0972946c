import { strict as assert } from 'node:assert';
import { jinjaCompletionAt, referenceAt, scanJinja, scanYaml, type JinjaReference } from '../../src/authoring/jinja';
import { tokenizeSql } from '../../src/authoring/sqlTokens';
import { projectFiles } from '../support/authoring';
import { SAMPLE } from '../support/dbt';

const slice = (text: string, span: { start: number; end: number }) => text.slice(span.start, span.end);
const summary = (text: string, reference: JinjaReference): string => {
  switch (reference.kind) {
    case 'ref':
      return `ref ${reference.package ? `${reference.package}.` : ''}${reference.name}${reference.version ? ` v${reference.version}` : ''} @${slice(text, reference.nameSpan)}`;
    case 'source':
      return `source ${reference.source}.${reference.table ?? '?'} @${slice(text, reference.sourceSpan)}/${reference.tableSpan ? slice(text, reference.tableSpan) : ''}`;
    case 'macro':
      return `${reference.dispatch ? 'dispatch' : 'macro'} ${reference.package ? `${reference.package}.` : ''}${reference.name} @${slice(text, reference.nameSpan)}`;
    case 'doc':
      return `doc ${reference.name}`;
    case 'macroDefinition':
      return `define ${reference.name} @${slice(text, reference.nameSpan)}`;
  }
};

describe('authoring: Jinja scanning', () => {
  it('finds refs in every form, with the exact span of the name', () => {
    const text = `select * from {{ ref('a') }} join {{ ref("b") }} join {{ref( 'pkg' , "c" )}} join {{ ref('d', v=2) }} join {{ ref('e', version=3) }}`;
    assert.deepEqual(scanJinja(text).map((reference) => summary(text, reference)), ['ref a @a', 'ref b @b', 'ref pkg.c @c', 'ref d v2 @d', 'ref e v3 @e']);
    const [first] = scanJinja(text);
    assert.equal(slice(text, first?.span ?? { start: 0, end: 0 }), "ref('a')");
  });

  it('finds sources, docs, macro calls, package macros, dispatch targets and definitions', () => {
    const text = [
      "{% macro my_macro(x, y='a}}') -%}",
      "  {{ return(adapter.dispatch('hash_text', 'greenery')(x)) }}",
      '{%- endmacro %}',
      "select {{ cents_to_dollars('amount') }}, {{ dbt.type_string() }}, {{ dbt_utils.star(from=ref('m')) }}",
      "from {{ source('shop', 'orders') }}",
      "{% call statement('main') %}select 1{% endcall %}",
      "{# {{ ref('commented_out') }} #}",
      "{% set parts = [] %}{% do parts.append(x) %}{{ parts | join(', ') }}",
      "{% test no_negatives(model, column_name) %}select 1{% endtest %}",
      "{{ doc('is_deleted') }}",
    ].join('\n');
    assert.deepEqual(scanJinja(text).map((reference) => summary(text, reference)), [
      'define my_macro @my_macro',
      'dispatch greenery.hash_text @hash_text',
      'macro cents_to_dollars @cents_to_dollars',
      'macro dbt.type_string @type_string',
      'macro dbt_utils.star @star',
      'ref m @m',
      'source shop.orders @shop/orders',
      'macro statement @statement',
      'define test_no_negatives @no_negatives',
      'doc is_deleted',
    ]);
  });

  it('reads bare expressions in YAML (snapshot relations, unit test inputs) and doc() in strings', () => {
    const text = ["snapshots:", "  - name: users_snapshot", "    relation: ref('stg_users')", "    description: \"{{ doc('x') }}\"", "    given:", "      - input: source('shop', 'users')", "        note: the shop's ref('not_a_call'"].join('\n');
    assert.deepEqual(scanYaml(text).map((reference) => summary(text, reference)), ['ref stg_users @stg_users', 'doc x', 'source shop.users @shop/users']);
  });

  it('says what is under an offset: the name, then the call; the innermost call wins', () => {
    const text = "{{ cents_to_dollars(ref('orders')) }}";
    const references = scanJinja(text);
    assert.equal(referenceAt(references, text.indexOf('orders') + 2)?.kind, 'ref');
    assert.equal(referenceAt(references, text.indexOf('cents') + 1)?.kind, 'macro');
    assert.equal(referenceAt(references, text.indexOf('ref(') + 1)?.kind, 'ref');
    assert.equal(referenceAt(references, 0), undefined);
  });

  it('never throws on any prefix of any dbt-sample file, and agrees with the whole file on what the prefix holds completely', () => {
    let checked = 0;
    for (const file of projectFiles(SAMPLE)) {
      const whole = new Set(scanJinja(file.text).map((reference) => `${reference.kind}:${reference.span.start}:${reference.span.end}:${summary(file.text, reference)}`));
      // Every cut point a user can reach while typing the file from the top.
      for (let cut = 0; cut <= file.text.length; cut += 7) {
        const prefix = file.text.slice(0, cut);
        const found = scanJinja(prefix);
        tokenizeSql(prefix);
        // A reference whose whole block lies before the cut is found exactly as in the full text.
        const lastBlockEnd = prefix.lastIndexOf('}}') + 2;
        for (const reference of found) {
          if (reference.span.end > lastBlockEnd - 2 || !prefix.slice(reference.span.end).includes('}')) continue;
          assert.ok(whole.has(`${reference.kind}:${reference.span.start}:${reference.span.end}:${summary(file.text, reference)}`), `${file.path} cut at ${cut}: ${summary(prefix, reference)}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 1000, `only ${checked} references checked`);
  });
});

describe('authoring: Jinja completion contexts', () => {
  const at = (text: string) => {
    const offset = text.indexOf('|');
    return { text: text.replace('|', ''), offset };
  };
  const context = (template: string) => {
    const { text, offset } = at(template);
    const found = jinjaCompletionAt(text, offset);
    return found && { ...found, replaced: text.slice(found.replace.start, found.replace.end) };
  };

  it('offers models in ref(, sources in source(, tables after the source, docs in doc(', () => {
    assert.deepEqual(context("select * from {{ ref('stg_|"), { kind: 'ref', replace: { start: 22, end: 26 }, quoted: true, replaced: 'stg_' });
    assert.deepEqual(context("{{ ref('stg_|ord') }}"), { kind: 'ref', replace: { start: 8, end: 15 }, quoted: true, replaced: 'stg_ord' });
    assert.deepEqual(context('{{ ref(|'), { kind: 'ref', replace: { start: 7, end: 7 }, quoted: false, replaced: '' });
    assert.deepEqual(context("{{ ref('pkg', '|') }}"), { kind: 'ref', package: 'pkg', replace: { start: 15, end: 15 }, quoted: true, replaced: '' });
    assert.equal(context("{{ source('|")?.kind, 'source');
    assert.deepEqual(context(`{{ source("shop", "or|`), { kind: 'sourceTable', source: 'shop', replace: { start: 19, end: 21 }, quoted: true, replaced: 'or' });
    assert.equal(context("{{ doc('|') }}")?.kind, 'doc');
  });

  it('offers macros for a bare name being typed, and nothing outside Jinja, in comments or after a dot', () => {
    assert.deepEqual(context('{{ cents_to|'), { kind: 'macro', replace: { start: 3, end: 11 }, replaced: 'cents_to' });
    assert.equal(context("select 'ref(|' from x"), undefined);
    assert.equal(context("{# {{ ref('|') }} #}"), undefined);
    assert.equal(context('{{ adapter.disp|'), undefined);
    assert.equal(context('{% macro my_ma|'), undefined);
    assert.equal(context("{{ ref('a') }} |"), undefined);
    assert.equal(context("{{ var('x', '|') }}"), undefined);
  });
});
