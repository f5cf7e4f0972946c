{{
    config(
        materialized='incremental',
        unique_key='event_id',
        watermark_inputs=['sql_server_dbo.events'],
    )
}}

with latest_version as (

    {{ latest_versions(
        'sql_server_dbo.events',
        'event_id',
        [
            "created_at desc nulls last",
            "event_type desc nulls last",
        ],
        since=synced_since_watermark('sql_server_dbo.events'),
    ) }}

),

final as (

    select
        event_id,
        {{ empty_to_null('session_id') }} as session_id,
        {{ empty_to_null('user_id') }} as user_id,
        lower({{ empty_to_null('event_type') }}) as event_type,
        {{ empty_to_null('page_url') }} as page_url,
        {{ empty_to_null('product_id') }} as product_id,
        {{ empty_to_null('order_id') }} as order_id,
        -- the source holds the shop's wall-clock time, without an offset
        cast(created_at as {{ type_timestamp_ntz() }}) as created_at_local,
        {{ local_to_utc('created_at', source_tz=var('source_timezone')) }} as created_at_utc,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from latest_version

)

select * from final
