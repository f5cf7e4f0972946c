{#-
    Incremental processing.

    Bronze only grows, and every batch's `_fivetran_synced` values are >= those of every
    earlier batch. So a model has seen everything up to its watermark, the highest
    `_fivetran_synced` it holds, and only rows with `_fivetran_synced >= watermark` can be
    new ('>=' on purpose: a batch loaded twice, or rows sharing the watermark, are read
    again, and the unique key makes that harmless).

    - Silver models read bronze rows at or after their watermark, keep the latest version of
      each key and delete+insert on their unique key.
    - Gold models recompute only the keys (users, sessions, orders) touched by silver rows at
      or after their watermark, from all silver rows of those keys, and replace them. A
      pre-hook first deletes those keys, so a key that no longer produces a row (its silver
      rows were deleted) disappears too. A gold row's `_fivetran_synced` is the latest
      `_fivetran_synced` of the silver rows it was computed from, so the result is exactly
      what a full refresh would give.
-#}

{#- SQL literal of the highest `column` of `relation` (default: this model), or of the
    distant past when the model is not being built incrementally or is empty. -#}
{% macro incremental_watermark(column='_fivetran_synced', relation=none) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(timestamp_tz_literal(none)) }}
    {%- endif -%}
    {%- set relation = relation if relation is not none else this -%}
    {%- set query -%}
        select {{ timestamp_tz_to_text('max(' ~ column ~ ')') }} as watermark from {{ relation }}
    {%- endset -%}
    {%- set watermark = run_query(query).columns[0].values()[0] -%}
    {{ return(timestamp_tz_literal(watermark)) }}
{%- endmacro %}


{#- Pre-hook of a gold incremental model: delete the keys about to be recomputed. -#}
{% macro delete_changed_keys(key_column, changed_keys_sql) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ key_column }} in ({{ changed_keys_sql }})
    {%- endif -%}
{%- endmacro %}


{#- A timestamp with time zone as exact text, and back (NULL text -> the distant past). -#}
{% macro timestamp_tz_to_text(expression) -%}
    {{ return(adapter.dispatch('timestamp_tz_to_text')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_tz_to_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro snowflake__timestamp_tz_to_text(expression) -%}
    to_varchar({{ expression }}, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')
{%- endmacro %}

{% macro timestamp_tz_literal(text) -%}
    {{ return(adapter.dispatch('timestamp_tz_literal')(text)) }}
{%- endmacro %}

{% macro default__timestamp_tz_literal(text) -%}
    cast('{{ text if text is not none else "1900-01-01 00:00:00+00" }}' as {{ type_timestamp_tz() }})
{%- endmacro %}

{% macro snowflake__timestamp_tz_literal(text) -%}
    to_timestamp_tz('{{ text if text is not none else "1900-01-01 00:00:00.000000000 +00:00" }}', 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')
{%- endmacro %}


{#- The latest version of every key of a bronze table, as silver keeps it: on incremental
    builds only the rows at or after the model's watermark are read. Ties on
    `_fivetran_synced` go to a deletion, then to `tie_breakers` (SQL order-by terms). -#}
{% macro latest_versions(relation, key, tie_breakers=[]) -%}
    select *
    from {{ relation }}
    {% if is_incremental() -%}
    where _fivetran_synced >= {{ incremental_watermark() }}
    {%- endif %}
    qualify row_number() over (
        partition by {{ key }}
        order by
            _fivetran_synced desc,
            coalesce(_fivetran_deleted, false) desc
            {%- for term in tie_breakers %},
            {{ term }}
            {%- endfor %}
    ) = 1
{%- endmacro %}
