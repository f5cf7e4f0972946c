{#- The watermark ledger of the incremental models (macros/watermarks.sql): one row per
    model, input and kind, written by their hooks. Never rebuilt by --full-refresh (that
    would make every incremental model read everything again, harmless but slow); an
    incremental build of it adds nothing. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
    )
}}

select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_string() }}) as input_name,
    cast(null as {{ dbt.type_string() }}) as watermark_kind,
    cast(null as {{ type_timestamp_tz() }}) as watermark,
    cast(null as bigint) as rows_at_watermark
where 1 = 0
