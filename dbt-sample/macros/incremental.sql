{#-
    Incremental processing (the watermarks themselves: watermarks.sql).

    - Silver models read the bronze rows synced since their watermark, keep the latest
      version of each key and delete+insert on their unique key, so a batch loaded twice
      changes nothing.
    - Gold incremental models read silver only (directly or through views of silver): the
      keys (orders, sessions, users) that silver rows synced at or after the watermarks
      touch, or ever touched in an earlier version, are recomputed from all silver rows of
      those keys (change_sets.sql). A pre-hook deletes those keys and the recomputed rows
      are appended, so a key that no longer produces a row (its rows were deleted or moved
      to another key) disappears. The version histories of silver (stg_*_versions,
      stg_*_moves) work the same way, per key of the source.
      A gold model never reads another materialized gold model: a gold row's
      `_fivetran_synced` does not move when a row it was computed from is deleted or
      moved, so it cannot tell a downstream model what changed. Gold tables built from
      gold (the marts) are plain tables, rebuilt on every run.
-#}


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


{#- The latest version of every key of a bronze table (`input_name`, such as
    `sql_server_dbo.orders`), as silver keeps it. An incremental model passes
    `since=synced_since_watermark(input_name)` and reads only the rows that changed since
    its last run (all of them when it is built from scratch). Ties on `_fivetran_synced` go to a deletion, then to
    `tie_breakers` (SQL order-by terms). -#}
{% macro latest_versions(input_name, key, tie_breakers=[], since=none) -%}
    select *
    from {{ watermark_input(input_name) }}
    {%- if since is not none %}
    where {{ since }}
    {%- endif %}
    qualify row_number() over (partition by {{ key }} order by {{ latest_delivery_first(tie_breakers) }}) = 1
{%- endmacro %}


{#- Every version of every key of a bronze table, with when it was true at the source:
    `valid_from_utc` (version_valid_from of `changed_at`), `valid_to_utc` (the next
    version's start; NULL for the current version), `version_number` (1 for the first) and
    `is_current`. A version delivered twice (same key and start: a batch loaded twice, a
    row re-sent unchanged) counts once, the latest delivery; ties as in latest_versions.
    `where` restricts the keys (an incremental model: those with new versions). -#}
{% macro versions_with_validity(input_name, key, changed_at=none, tie_breakers=[], where=none) -%}
    select
        *,
        lead(valid_from_utc) over (partition by {{ key }} order by valid_from_utc) as valid_to_utc,
        row_number() over (partition by {{ key }} order by valid_from_utc) as version_number,
        row_number() over (partition by {{ key }} order by valid_from_utc desc) = 1 as is_current
    from (
        select
            *,
            {{ version_valid_from(changed_at) }} as valid_from_utc
        from {{ watermark_input(input_name) }}
        {%- if where %}
        where {{ where }}
        {%- endif %}
        qualify row_number() over (
            partition by {{ key }}, {{ version_valid_from(changed_at) }}
            order by {{ latest_delivery_first(tie_breakers) }}
        ) = 1
    ) as deduplicated
{%- endmacro %}


{#- The columns versions_with_validity adds, as the versions models (stg_*_versions) end: when
    the version was true, its number, whether it is current or a deletion, the sync of it. -#}
{% macro version_columns() -%}
    valid_from_utc,
    valid_to_utc,
    version_number,
    is_current,
    coalesce(_fivetran_deleted, false) as is_deleted,
    _fivetran_synced
{%- endmacro %}


{#- The order of a key's deliveries, latest first: by `_fivetran_synced`, a deletion winning a
    tie, then `tie_breakers` (SQL order-by terms). -#}
{% macro latest_delivery_first(tie_breakers=[]) -%}
    _fivetran_synced desc, coalesce(_fivetran_deleted, false) desc
    {%- for term in tie_breakers %}, {{ term }}{% endfor %}
{%- endmacro %}
