{#-
    Per-input watermarks of the incremental models.

    An incremental model reads, from each of its inputs, only the rows synced after that
    input's watermark: the highest `_fivetran_synced` the input held when the model last read
    it. There is one watermark per input because inputs are built at different times: a
    partial build (`dbt run -s stg_orders+`) refreshes one input and not another, and a
    single watermark over all inputs would then skip the rows of the input that was behind.
    Bronze only grows and a sync's `_fivetran_synced` is >= every earlier sync's, so an input
    row that changed after the model read it is synced after that watermark, or at it: the
    watermark also records how many rows the input held at it, and when more have arrived
    since (a sync at the same instant) the model reads the rows at the watermark again
    (synced_since_watermark). Otherwise it does not, so that an input whose newest rows are
    old (the catalogue's first prices) is not read again in full on every run.

    A model lists the inputs it tracks in its config (`watermark_inputs`: model names, or
    `source_name.table_name`). The watermarks live in `incremental.watermarks`
    (models/incremental/watermarks.sql), one row per model, input and kind:
      - `pending`: the input's highest `_fivetran_synced` and its rows at it, taken by a
        pre-hook before the model reads the input, so rows that arrive while it runs are
        read next time;
      - `current`: where the next run starts reading (the last run's `pending`, promoted by
        a post-hook once the model is built);
      - `previous`: where the last run started reading: the data tests check the model's
        rows from there (rows_changed_since, get_where_subquery in tests.sql).
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


{#- The condition on `_fivetran_synced` that selects the rows of this model's input `name`
    that changed since the model last read it: `> watermark`, or `>= watermark` when rows
    arrived at the watermark since; always true when the model is built from scratch or has
    no watermark for the input. `column` qualifies the column if needed. -#}
{% macro synced_since_watermark(name, column='_fivetran_synced') -%}
    {#- ref() at parse time records the dependency, so that the ledger is built first -#}
    {%- if not execute -%}
        {%- do ref('watermarks') -%}
    {%- endif -%}
    {%- set input = watermark_input(name) -%}
    {%- set ledger = watermark_ledger() if is_incremental() else none -%}
    {%- if ledger is none -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set inputs = config.get('watermark_inputs') or [] -%}
    {%- if name not in inputs -%}
        {{ exceptions.raise_compiler_error(
            "watermark of '" ~ name ~ "': add it to the watermark_inputs of " ~ this.identifier ~ " (now " ~ (inputs | join(', ')) ~ ")"
        ) }}
    {%- endif -%}
    {%- set query -%}
        select
            {{ timestamp_tz_to_text('watermarks.watermark') }} as watermark,
            watermarks.rows_at_watermark,
            (select count(*) from {{ input }} where _fivetran_synced = watermarks.watermark) as rows_now
        from {{ ledger }} as watermarks
        where watermarks.model_name = '{{ watermark_key(this) }}'
            and watermarks.input_name = '{{ watermark_key(input) }}'
            and watermarks.watermark_kind = 'current'
            and watermarks.watermark is not null
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set operator = '>' if rows[0][1] == rows[0][2] else '>=' -%}
    {{ return(column ~ ' ' ~ operator ~ ' ' ~ timestamp_tz_literal(rows[0][0])) }}
{%- endmacro %}


{#- Pre-hook of every model (dbt_project.yml); does something for incremental models with
    watermark_inputs only: records each input's highest `_fivetran_synced` (and its rows at
    it) as `pending`, before the model reads it. A build from scratch forgets the model's
    old watermarks. -#}
{% macro watermarks_pre_hook() -%}
    {%- set inputs = config.get('watermark_inputs') or [] -%}
    {%- set ledger = watermark_ledger() if inputs and config.get('materialized') == 'incremental' else none -%}
    {%- if ledger is not none -%}
        delete from {{ ledger }}
        where model_name = '{{ watermark_key(this) }}'
            and watermark_kind in ({{ "'pending'" if is_incremental() else "'pending', 'current', 'previous'" }});
        insert into {{ ledger }} (model_name, input_name, watermark_kind, watermark, rows_at_watermark)
        {%- for name in inputs %}
        select
            '{{ watermark_key(this) }}',
            '{{ watermark_key(watermark_input(name)) }}',
            'pending',
            newest.watermark,
            (select count(*) from {{ watermark_input(name) }} where _fivetran_synced = newest.watermark)
        from (select max(_fivetran_synced) as watermark from {{ watermark_input(name) }}) as newest
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


{#- SQL literal from which the rows the last build of `relation` wrote are synced: where it
    started reading the inputs that changed since the build before (an input that did not
    change recomputed nothing), the earliest of them; the newest watermark when none changed
    (nothing was written). None when that build read everything (built from scratch, an
    input read from its start), when `relation` is not incremental, or with var
    test_all_rows. -#}
{% macro rows_changed_since(relation) -%}
    {#- only incremental models have watermarks: spare the others a query -#}
    {%- set incremental = [] -%}
    {%- for node in graph.get('nodes', {}).values() if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
        {%- if (node.alias | lower) == (relation.identifier | lower) and (node.schema | lower) == (relation.schema | lower) -%}
            {%- do incremental.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set ledger = watermark_ledger() if incremental else none -%}
    {%- if ledger is none or var('test_all_rows', false) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select
            {{ timestamp_tz_to_text('previous.watermark') }} as previous_watermark,
            {{ timestamp_tz_to_text('current_watermarks.watermark') }} as current_watermark,
            previous.watermark is distinct from current_watermarks.watermark as has_changed
        from {{ ledger }} as current_watermarks
        left join {{ ledger }} as previous
            on
                current_watermarks.model_name = previous.model_name
                and current_watermarks.input_name = previous.input_name
                and previous.watermark_kind = 'previous'
        where current_watermarks.model_name = '{{ watermark_key(relation) }}'
            and current_watermarks.watermark_kind = 'current'
    {%- endset -%}
    {%- set inputs = run_query(query).rows -%}
    {%- if inputs | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set changed = [] -%}
    {%- set newest = [] -%}
    {%- for input in inputs -%}
        {%- if input[2] -%}
            {%- if input[0] is none -%}
                {#- read from its start: everything may have been written -#}
                {{ return(none) }}
            {%- endif -%}
            {%- do changed.append(input[0]) -%}
        {%- endif -%}
        {%- if input[1] is not none -%}
            {%- do newest.append(input[1]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set since = changed if changed else newest -%}
    {%- if not since -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if since | length == 1 -%}
        {{ return(timestamp_tz_literal(since[0])) }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for text in since -%}
        {%- do literals.append(timestamp_tz_literal(text)) -%}
    {%- endfor -%}
    {{ return(('least(' if changed else 'greatest(') ~ (literals | join(', ')) ~ ')') }}
{%- endmacro %}
