{{
    config(
        materialized='incremental',
        unique_key='user_id',
        watermark_inputs=['sql_server_dbo.users'],
    )
}}

with latest_version as (

    {{ latest_versions(
        'sql_server_dbo.users',
        'user_id',
        [
            "updated_at desc nulls last",
            "total_orders desc nulls last",
            "address_id desc nulls last",
        ],
        since=synced_since_watermark('sql_server_dbo.users'),
    ) }}

),

final as (

    select
        user_id,
        {{ user_attributes() }},
        created_at,
        {{ instant_to_utc('created_at') }} as created_at_utc,
        updated_at,
        {{ instant_to_utc('updated_at') }} as updated_at_utc,
        {{ version_valid_from('updated_at') }} as valid_from_utc,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from latest_version

)

select * from final
