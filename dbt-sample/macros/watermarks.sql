{#-
    Per-input watermarks of the incremental models.

    An incremental model reads, from each of its inputs, only the rows synced at or after
    that input's watermark: the highest `_fivetran_synced` the input held when the model
    last read it. There is one watermark per input because inputs are built at different
    times: a partial build (`dbt run -s stg_orders+`) refreshes one input and not another,
    and a single watermark over all inputs would then skip the rows of the input that was
    behind. Bronze only grows and every batch's `_fivetran_synced` is >= every earlier
    batch's, so an input row that changed after the model read it has `_fivetran_synced`
    >= that watermark ('>=' on purpose: a batch seen twice is harmless under a unique key).

    A model lists the inputs it tracks in its config (`watermark_inputs`: model names, or
    `source_name.table_name`) and reads a watermark with `watermark(name)`. The watermarks
    live in `incremental.watermarks` (models/incremental/watermarks.sql), one row per model,
    input and kind:
      - `pending`: the input's highest `_fivetran_synced`, taken by a pre-hook before the
        model reads the input, so rows that arrive while it runs are read again next time;
      - `current`: where the next run starts reading (the last run's `pending`, promoted by
        a post-hook once the model is built);
      - `previous`: where the last run started reading: the data tests check the model's
        rows at or after it (get_where_subquery in tests.sql).
    A model built from scratch (first build, --full-refresh) has no `previous`, and a model
    without a `current` row reads everything: a lost ledger costs time, never rows.
-#}

{#- The input `name` of the model: a model (`stg_orders`) or a source (`sql_server_dbo.orders`). -#}
{% macro watermark_input(name) -%}
    {%- if '.' in name -%}
        {%- set parts = name.split('.') -%}
        {{ return(source(parts[0], parts[1])) }}
    {%- else -%}
        {{ return(ref(name)) }}
    {%- endif -%}
{%- endmacro %}


{#- How the ledger names a relation: `schema.identifier`, stable across database files. -#}
{% macro watermark_key(relation) -%}
    {{ return((relation.schema ~ '.' ~ relation.identifier) | lower) }}
{%- endmacro %}


{#- The ledger relation, or none while it does not exist yet. Found through the graph rather
    than ref(), so that tests can read it without depending on it. -#}
{% macro watermark_ledger() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.get('nodes', {}).values() if node.resource_type == 'model' and node.name == 'watermarks' and node.package_name == project_name -%}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- SQL literal of this model's watermark for its input `name`: the distant past when the
    model is built from scratch or has no watermark for the input yet. -#}
{% macro watermark(name) -%}
    {#- ref() at parse time records the dependency, so that the ledger is built first -#}
    {%- if not execute -%}
        {%- do ref('watermarks') -%}
    {%- endif -%}
    {%- set input = watermark_input(name) -%}
    {%- set ledger = watermark_ledger() if is_incremental() else none -%}
    {%- if ledger is none -%}
        {{ return(timestamp_tz_literal(none)) }}
    {%- endif -%}
    {%- set inputs = config.get('watermark_inputs') or [] -%}
    {%- if name not in inputs -%}
        {{ exceptions.raise_compiler_error(
            "watermark('" ~ name ~ "'): add it to the watermark_inputs of " ~ this.identifier ~ " (now " ~ (inputs | join(', ')) ~ ")"
        ) }}
    {%- endif -%}
    {%- set query -%}
        select {{ timestamp_tz_to_text('max(watermark)') }} as watermark
        from {{ ledger }}
        where model_name = '{{ watermark_key(this) }}'
            and input_name = '{{ watermark_key(input) }}'
            and watermark_kind = 'current'
    {%- endset -%}
    {{ return(timestamp_tz_literal(run_query(query).columns[0].values()[0])) }}
{%- endmacro %}


{#- Pre-hook of every model (dbt_project.yml); does something for incremental models with
    watermark_inputs only: records each input's highest `_fivetran_synced` as `pending`,
    before the model reads it. A build from scratch forgets the model's old watermarks. -#}
{% macro watermarks_pre_hook() -%}
    {%- set inputs = config.get('watermark_inputs') or [] -%}
    {%- set ledger = watermark_ledger() if inputs and config.get('materialized') == 'incremental' else none -%}
    {%- if ledger is not none -%}
        delete from {{ ledger }}
        where model_name = '{{ watermark_key(this) }}'
            and watermark_kind in ({{ "'pending'" if is_incremental() else "'pending', 'current', 'previous'" }});
        insert into {{ ledger }} (model_name, input_name, watermark_kind, watermark)
        {%- for name in inputs %}
        select
            '{{ watermark_key(this) }}',
            '{{ watermark_key(watermark_input(name)) }}',
            'pending',
            max(_fivetran_synced)
        from {{ watermark_input(name) }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of every model: once an incremental model is built, what it read from becomes
    `previous` and the `pending` watermarks taken before it read become `current`. -#}
{% macro watermarks_post_hook() -%}
    {%- set inputs = config.get('watermark_inputs') or [] -%}
    {%- set ledger = watermark_ledger() if inputs and config.get('materialized') == 'incremental' else none -%}
    {%- if ledger is not none -%}
        delete from {{ ledger }}
        where model_name = '{{ watermark_key(this) }}' and watermark_kind = 'previous';
        update {{ ledger }} set watermark_kind = 'previous'
        where model_name = '{{ watermark_key(this) }}' and watermark_kind = 'current';
        update {{ ledger }} set watermark_kind = 'current'
        where model_name = '{{ watermark_key(this) }}' and watermark_kind = 'pending'
    {%- endif -%}
{%- endmacro %}


{#- SQL literal of where the last build of `relation` started reading (the lowest `previous`
    watermark over its inputs), or none when that build read everything, the relation is
    not incremental, or var('test_all_rows') is true. -#}
{% macro rows_changed_since(relation) -%}
    {%- set ledger = watermark_ledger() -%}
    {%- if ledger is none or var('test_all_rows', false) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select
            {{ timestamp_tz_to_text('min(watermark)') }} as watermark,
            count(*) as inputs,
            count(watermark) as known
        from {{ ledger }}
        where model_name = '{{ watermark_key(relation) }}'
            and watermark_kind = 'previous'
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {#- a NULL `previous` (an input that was empty) means the last build read everything -#}
    {%- if row[1] == 0 or row[1] != row[2] -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(timestamp_tz_literal(row[0])) }}
{%- endmacro %}
