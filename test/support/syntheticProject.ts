/**
 * A generated dbt project of N models (default 1,000) for tests and benchmarks of the authoring
 * core: source systems with documented tables, one staging model per source table, intermediate
 * models joining two or three earlier models, marts aggregating them, YAML with descriptions and
 * columns per folder, a few macros (one dispatched) and docs blocks. Its files are real dbt (an
 * integration test runs `dbt parse` on them); `manifest` is what dbt would write for them, with
 * compiled SQL DuckDB parses, so unit tests and benchmarks need no dbt run. Seeded: the same
 * options give the same project.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Random } from '../../src/core/random';

export interface SyntheticOptions {
  models?: number;
  seed?: string;
  projectName?: string;
  database?: string;
}

export interface SyntheticFile {
  path: string;
  text: string;
}

export interface SyntheticModel {
  name: string;
  uniqueId: string;
  path: string;
  yamlPath: string;
  folder: 'staging' | 'intermediate' | 'marts';
  schema: string;
  columns: Array<{ name: string; description: string }>;
  parents: string[];
  raw: string;
  compiled: string;
  materialized: string;
  description: string;
}

export interface SyntheticProject {
  projectName: string;
  database: string;
  files: SyntheticFile[];
  models: SyntheticModel[];
  /** manifest.json as dbt writes it for these files (the parts the authoring core reads). */
  manifest: Record<string, unknown>;
}

const SYSTEMS = ['shop', 'crm', 'billing', 'web', 'support', 'logistics', 'hr', 'ads', 'inventory', 'finance_ledger', 'payments', 'reviews'];
const ENTITIES = ['customers', 'orders', 'items', 'invoices', 'events', 'sessions', 'tickets', 'shipments', 'employees', 'campaigns', 'products', 'refunds', 'accounts', 'contracts', 'visits'];
const DEPARTMENTS = ['core', 'finance', 'marketing', 'product', 'operations', 'sales'];
const VERBS = ['joined', 'enriched', 'aggregated', 'pivoted', 'deduplicated'];

interface Piece {
  raw: string;
  compiled: string;
}
/** Text the same in the model file and in the compiled SQL. */
const same = (text: string): Piece => ({ raw: text, compiled: text });
const join2 = (pieces: Piece[]): Piece => ({ raw: pieces.map((piece) => piece.raw).join(''), compiled: pieces.map((piece) => piece.compiled).join('') });

const MACROS: Record<string, { path: string; body: string; description: string; args: string[] }> = {
  cents_to_dollars: {
    path: 'macros/cents_to_dollars.sql',
    args: ['column'],
    description: 'Amount in cents as dollars with two decimals. Dispatched.',
    body: `{% macro cents_to_dollars(column) -%}
    {{ return(adapter.dispatch('cents_to_dollars')(column)) }}
{%- endmacro %}

{% macro default__cents_to_dollars(column) -%}
    cast({{ column }} / 100.0 as numeric(16, 2))
{%- endmacro %}

{% macro duckdb__cents_to_dollars(column) -%}
    cast({{ column }} / 100.0 as numeric(16, 2))
{%- endmacro %}
`,
  },
  safe_divide: {
    path: 'macros/safe_divide.sql',
    args: ['numerator', 'denominator'],
    description: 'numerator / denominator as a double, NULL when the denominator is 0.',
    body: `{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}
`,
  },
  generate_schema_name: {
    path: 'macros/generate_schema_name.sql',
    args: ['custom_schema_name', 'node'],
    description: 'Custom schemas used as they are (silver, gold).',
    body: `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
`,
  },
};

const cents = (column: string): Piece => ({ raw: `{{ cents_to_dollars('${column}') }}`, compiled: `cast(${column} / 100.0 as numeric(16, 2))` });
const divide = (a: string, b: string): Piece => ({ raw: `{{ safe_divide('${a}', '${b}') }}`, compiled: `cast(${a} as double) / nullif(${b}, 0)` });

/** Generates the project (files, models and manifest) in memory. */
export function syntheticProject(options: SyntheticOptions = {}): SyntheticProject {
  const total = Math.max(3, options.models ?? 1000);
  const random = new Random(options.seed ?? 'synthetic');
  const projectName = options.projectName ?? 'synthetic';
  const database = options.database ?? 'synth';
  const quoted = (schema: string, name: string) => `"${database}"."${schema}"."${name}"`;
  const stagingCount = Math.max(1, Math.round(total * 0.15));
  const intermediateCount = Math.max(1, Math.round(total * 0.35));
  const martCount = total - stagingCount - intermediateCount;
  const systems = SYSTEMS.slice(0, Math.max(1, Math.min(SYSTEMS.length, Math.ceil(stagingCount / 12))));

  const files: SyntheticFile[] = [];
  const models: SyntheticModel[] = [];
  const sources: Array<{ system: string; table: string; columns: string[] }> = [];
  const yaml = new Map<string, string[]>();
  const addYaml = (path: string, lines: string[]) => yaml.set(path, [...(yaml.get(path) ?? []), ...lines]);

  // Sources and staging: one staging model per source table.
  for (let index = 0; index < stagingCount; index++) {
    const system = systems[index % systems.length] as string;
    const table = `${ENTITIES[Math.floor(index / systems.length) % ENTITIES.length] as string}${index >= systems.length * ENTITIES.length ? `_${index}` : ''}`;
    const columns = ['id', 'parent_id', 'name', 'status', 'amount_cents', 'quantity', 'created_at', 'updated_at', '_loaded_at'];
    sources.push({ system, table, columns });
    const name = `stg_${system}__${table}`;
    const key = `${table}_id`;
    const body = join2([
      same(`with source as (\n\n    select * from `),
      { raw: `{{ source('${system}', '${table}') }}`, compiled: quoted(`raw_${system}`, table) },
      same(`\n\n),\n\nrenamed as (\n\n    select\n        id as ${key},\n        parent_id,\n        lower(name) as name,\n        status,\n        `),
      cents('amount_cents'),
      same(` as amount,\n        quantity,\n        cast(created_at as timestamp) as created_at,\n        updated_at,\n        _loaded_at\n    from source\n\n)\n\nselect * from renamed\n`),
    ]);
    const outputs = [key, 'parent_id', 'name', 'status', 'amount', 'quantity', 'created_at', 'updated_at', '_loaded_at'];
    models.push(model(name, 'staging', `models/staging/${system}/${name}.sql`, `models/staging/${system}/_${system}__models.yml`, 'silver', outputs, [`source.${projectName}.${system}.${table}`], body, 'view', `Cleaned ${table} of ${system}: one row per ${table.replace(/s$/, '')}.`));
  }

  const pickParents = (pool: SyntheticModel[], count: number): SyntheticModel[] => {
    const chosen = new Set<SyntheticModel>();
    // Mostly recent models, sometimes any: chains several levels deep, with long edges too.
    for (let tries = 0; chosen.size < Math.min(count, pool.length) && tries < 50; tries++) {
      const window = random.chance(0.7) ? Math.min(pool.length, 40) : pool.length;
      chosen.add(pool[pool.length - 1 - random.int(0, window - 1)] as SyntheticModel);
    }
    return [...chosen];
  };
  const numeric = (columns: string[]): string[] => columns.filter((column) => /amount|quantity|total|ratio|count/.test(column));
  const keyOf = (parent: SyntheticModel): string => parent.columns[0]?.name as string;

  for (let index = 0; index < intermediateCount; index++) {
    const domain = ENTITIES[index % ENTITIES.length] as string;
    const name = `int_${domain}_${index}_${VERBS[index % VERBS.length] as string}`;
    const parents = pickParents(models, random.chance(0.3) ? 3 : 2);
    const [a, b, c] = parents as [SyntheticModel, SyntheticModel | undefined, SyntheticModel | undefined];
    const key = `${domain}_${index}_id`;
    const aNum = numeric(a.columns.map((column) => column.name))[0] ?? keyOf(a);
    const select: Piece[] = [same(`        a.${keyOf(a)} as ${key},\n`)];
    const outputs = [key];
    for (const column of a.columns.slice(1, 4)) {
      if (outputs.includes(column.name)) continue;
      select.push(same(`        a.${column.name},\n`));
      outputs.push(column.name);
    }
    if (b) {
      const bNum = numeric(b.columns.map((column) => column.name))[0];
      for (const column of b.columns.slice(1, 3)) {
        const alias = `b_${column.name}`.replace(/^b_b_/, 'b_');
        if (outputs.includes(alias)) continue;
        select.push(same(`        b.${column.name} as ${alias},\n`));
        outputs.push(alias);
      }
      if (bNum) {
        select.push(same('        '), divide(`a.${aNum}`, `b.${bNum}`), same(` as ratio_${index},\n`));
        outputs.push(`ratio_${index}`);
      }
    }
    if (c) {
      select.push(same(`        c.${keyOf(c)} as c_key,\n`));
      outputs.push('c_key');
    }
    select.push(same(`        row_number() over (partition by a.${keyOf(a)} order by a.${aNum}) as row_number_in_key\n`));
    outputs.push('row_number_in_key');
    const imports: Piece[] = [];
    parents.forEach((parent, at) => {
      const alias = ['a', 'b', 'c'][at] as string;
      imports.push(same(`${alias} as (\n\n    select * from `), { raw: `{{ ref('${parent.name}') }}`, compiled: quoted(parent.schema, parent.name) }, same('\n\n),\n\n'));
    });
    const joins = [b ? `    left join b\n        on b.${keyOf(b)} = a.${keyOf(a)}\n` : '', c ? `    left join c\n        on c.${keyOf(c)} = a.${keyOf(a)}\n` : ''].join('');
    const body = join2([same('with '), ...imports, same('joined as (\n\n    select\n'), ...select, same(`    from a\n${joins}\n)\n\nselect * from joined\n`)]);
    models.push(model(name, 'intermediate', `models/intermediate/${domain}/${name}.sql`, `models/intermediate/${domain}/_${domain}__models.yml`, 'gold', outputs, parents.map((parent) => parent.uniqueId), body, 'table', `${VERBS[index % VERBS.length] as string} ${domain} from ${parents.map((parent) => parent.name).join(', ')}.`));
  }

  for (let index = 0; index < martCount; index++) {
    const department = DEPARTMENTS[index % DEPARTMENTS.length] as string;
    const fact = index % 3 !== 0;
    const name = `${fact ? 'fct' : 'dim'}_${department}_${ENTITIES[index % ENTITIES.length] as string}_${index}`;
    const pool = models.filter((candidate) => candidate.folder !== 'staging' || random.chance(0.2));
    const parents = pickParents(pool.length > 0 ? pool : models, fact ? 2 : 1);
    const [base, other] = parents as [SyntheticModel, SyntheticModel | undefined];
    const imports = join2([same('with base as (\n\n    select * from '), { raw: `{{ ref('${base.name}') }}`, compiled: quoted(base.schema, base.name) }, same('\n\n),\n\n'), ...(other ? [same('other as (\n\n    select * from '), { raw: `{{ ref('${other.name}') }}`, compiled: quoted(other.schema, other.name) }, same('\n\n),\n\n')] : [])]);
    let body: Piece;
    let outputs: string[];
    if (fact) {
      const measure = numeric(base.columns.map((column) => column.name))[0] ?? keyOf(base);
      const otherMeasure = other && numeric(other.columns.map((column) => column.name))[0];
      outputs = [keyOf(base), 'row_count', `total_${measure}`, 'max_value'];
      body = join2([
        imports,
        same(`final as (\n\n    select\n        base.${keyOf(base)},\n        count(*) as row_count,\n        sum(base.${measure}) as total_${measure},\n        max(case when base.${measure} > 0 then ${otherMeasure ? `other.${otherMeasure}` : `base.${measure}`} else 0 end) as max_value\n    from base\n`),
        same(other ? `    left join other\n        on other.${keyOf(other)} = base.${keyOf(base)}\n` : ''),
        same(`    group by base.${keyOf(base)}\n\n)\n\nselect * from final\n`),
      ]);
    } else {
      outputs = [...base.columns.map((column) => column.name), 'is_current'];
      body = join2([imports, same(`final as (\n\n    select\n        *,\n        true as is_current\n    from base\n\n)\n\nselect * from final\n`)]);
    }
    models.push(model(name, 'marts', `models/marts/${department}/${name}.sql`, `models/marts/${department}/_${department}__models.yml`, 'gold', outputs, parents.map((parent) => parent.uniqueId), body, index % 5 === 0 ? 'incremental' : 'table', `${fact ? 'Facts' : 'Dimension'} of ${department}: one row per ${keyOf(base)}.`));
  }

  function model(name: string, folder: SyntheticModel['folder'], path: string, yamlPath: string, schema: string, outputs: string[], parents: string[], body: Piece, materialized: string, description: string): SyntheticModel {
    const config = materialized === 'incremental' ? `{{ config(materialized='incremental', unique_key='${outputs[0] ?? ''}') }}\n\n` : '';
    return {
      name,
      uniqueId: `model.${projectName}.${name}`,
      path,
      yamlPath,
      folder,
      schema,
      columns: outputs.map((column) => ({ name: column, description: column === outputs[0] ? `Key of ${name}.` : column === '_loaded_at' ? "{{ doc('loaded_at') }}" : `The ${column.replace(/_/g, ' ')}.` })),
      parents,
      raw: `${config}${body.raw}`,
      compiled: body.compiled,
      materialized,
      description,
    };
  }

  // Files: models, their YAML, sources YAML, macros, docs, the project.
  for (const entry of models) {
    files.push({ path: entry.path, text: entry.raw });
    addYaml(entry.yamlPath, [
      `  - name: ${entry.name}`,
      `    description: "${entry.description}"`,
      '    columns:',
      ...entry.columns.flatMap((column) => [`      - name: ${column.name}`, `        description: "${column.description}"`]),
    ]);
  }
  for (const [path, lines] of yaml) files.push({ path, text: `version: 2\n\nmodels:\n${lines.join('\n')}\n` });
  for (const system of systems) {
    const tables = sources.filter((source) => source.system === system);
    files.push({
      path: `models/staging/${system}/_${system}__sources.yml`,
      text: [
        'version: 2',
        '',
        'sources:',
        `  - name: ${system}`,
        `    description: The ${system} system as the loader lands it.`,
        `    schema: raw_${system}`,
        '    config:',
        '      loaded_at_field: _loaded_at',
        '      freshness:',
        '        warn_after: {count: 12, period: hour}',
        '    tables:',
        ...tables.flatMap((source) => [`      - name: ${source.table}`, `        description: Raw ${source.table} of ${system}.`, '        columns:', ...source.columns.flatMap((column) => [`          - name: ${column}`, `            description: ${column.replace(/_/g, ' ')} as loaded.`])]),
        '',
      ].join('\n'),
    });
  }
  for (const macro of Object.values(MACROS)) files.push({ path: macro.path, text: macro.body });
  files.push({ path: 'models/_docs.md', text: '{% docs loaded_at %}\nWhen the loader delivered the row (the watermark of incremental models).\n{% enddocs %}\n' });
  files.push({
    path: 'dbt_project.yml',
    text: `name: ${projectName}\nversion: "1.0.0"\nconfig-version: 2\nprofile: ${projectName}\n\nmodel-paths: ["models"]\nmacro-paths: ["macros"]\n\nmodels:\n  ${projectName}:\n    +materialized: table\n    staging:\n      +schema: silver\n      +materialized: view\n    intermediate:\n      +schema: gold\n    marts:\n      +schema: gold\n`,
  });
  files.push({ path: 'profiles.yml', text: `${projectName}:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n      path: "{{ env_var('SYNTHETIC_DUCKDB_PATH', '${database}.duckdb') }}"\n` });

  return { projectName, database, files, models, manifest: manifestOf(projectName, database, models, sources) };
}

function manifestOf(projectName: string, database: string, models: SyntheticModel[], sources: Array<{ system: string; table: string; columns: string[] }>): Record<string, unknown> {
  const docs = { 'doc.synthetic.loaded_at': { name: 'loaded_at', resource_type: 'doc', package_name: projectName, original_file_path: 'models/_docs.md', unique_id: `doc.${projectName}.loaded_at`, block_contents: 'When the loader delivered the row (the watermark of incremental models).' } };
  const describe = (text: string): string => (text === "{{ doc('loaded_at') }}" ? docs['doc.synthetic.loaded_at'].block_contents : text);
  const nodes: Record<string, unknown> = {};
  const parentMap: Record<string, string[]> = {};
  const childMap: Record<string, string[]> = {};
  const link = (parent: string, child: string) => {
    (childMap[parent] ??= []).push(child);
    (parentMap[child] ??= []).push(parent);
  };
  const sourceNodes: Record<string, unknown> = {};
  for (const source of sources) {
    const id = `source.${projectName}.${source.system}.${source.table}`;
    parentMap[id] = [];
    childMap[id] = [];
    sourceNodes[id] = {
      database,
      schema: `raw_${source.system}`,
      name: source.table,
      resource_type: 'source',
      package_name: projectName,
      path: `models/staging/${source.system}/_${source.system}__sources.yml`,
      original_file_path: `models/staging/${source.system}/_${source.system}__sources.yml`,
      unique_id: id,
      fqn: [projectName, 'staging', source.system, source.system, source.table],
      source_name: source.system,
      source_description: `The ${source.system} system as the loader lands it.`,
      identifier: source.table,
      loaded_at_field: '_loaded_at',
      freshness: { warn_after: { count: 12, period: 'hour' }, error_after: { count: null, period: null } },
      description: `Raw ${source.table} of ${source.system}.`,
      columns: Object.fromEntries(source.columns.map((column) => [column, { name: column, description: `${column.replace(/_/g, ' ')} as loaded.`, data_type: null, meta: {}, tags: [] }])),
      meta: {},
      tags: [],
      config: { enabled: true },
      relation_name: `"${database}"."raw_${source.system}"."${source.table}"`,
    };
  }
  for (const entry of models) {
    parentMap[entry.uniqueId] ??= [];
    childMap[entry.uniqueId] ??= [];
  }
  for (const entry of models) {
    for (const parent of entry.parents) link(parent, entry.uniqueId);
    const folders = entry.path.split('/').slice(1, -1);
    const usesMacros = [...new Set([...entry.raw.matchAll(/\{\{ (cents_to_dollars|safe_divide)\(/g)].map((match) => `macro.${projectName}.${match[1] ?? ''}`))];
    nodes[entry.uniqueId] = {
      database,
      schema: entry.schema,
      name: entry.name,
      resource_type: 'model',
      package_name: projectName,
      path: entry.path.replace(/^models\//, ''),
      original_file_path: entry.path,
      unique_id: entry.uniqueId,
      fqn: [projectName, ...folders, entry.name],
      alias: entry.name,
      config: { enabled: true, materialized: entry.materialized, schema: entry.schema, tags: [], meta: {} },
      tags: [],
      description: entry.description,
      columns: Object.fromEntries(entry.columns.map((column) => [column.name, { name: column.name, description: describe(column.description), data_type: null, meta: {}, tags: [] }])),
      meta: {},
      patch_path: `${projectName}://${entry.yamlPath}`,
      relation_name: `"${database}"."${entry.schema}"."${entry.name}"`,
      raw_code: entry.raw,
      compiled_code: entry.compiled,
      compiled_path: `target/compiled/${projectName}/${entry.path}`,
      language: 'sql',
      refs: entry.parents.filter((id) => id.startsWith('model.')).map((id) => ({ name: id.split('.').pop(), package: null, version: null })),
      sources: entry.parents.filter((id) => id.startsWith('source.')).map((id) => id.split('.').slice(2)),
      depends_on: { macros: usesMacros, nodes: [...entry.parents] },
    };
  }
  const macros: Record<string, unknown> = {};
  for (const [name, macro] of Object.entries(MACROS)) {
    const defined = [...macro.body.matchAll(/\{% macro (\w+)\(/g)].map((match) => match[1] as string);
    for (const definedName of defined) {
      macros[`macro.${projectName}.${definedName}`] = {
        name: definedName,
        resource_type: 'macro',
        package_name: projectName,
        path: macro.path,
        original_file_path: macro.path,
        unique_id: `macro.${projectName}.${definedName}`,
        macro_sql: macro.body,
        description: definedName === name ? macro.description : '',
        arguments: definedName === name ? macro.args.map((arg) => ({ name: arg, type: null, description: '' })) : [],
      };
    }
  }
  return {
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', dbt_version: '1.11.16', project_name: projectName, adapter_type: 'duckdb', generated_at: '2026-01-01T00:00:00Z' },
    nodes,
    sources: sourceNodes,
    macros,
    docs,
    exposures: {},
    metrics: {},
    parent_map: parentMap,
    child_map: childMap,
  };
}

/** Writes the project's files under `dir` (a DuckDB file for it must be named `<database>.duckdb`). */
export function writeSyntheticProject(dir: string, project: SyntheticProject): void {
  for (const file of project.files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
  }
}
