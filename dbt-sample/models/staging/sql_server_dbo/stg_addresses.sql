{{
    config(
        materialized='incremental',
        unique_key='address_id',
        watermark_inputs=['sql_server_dbo.addresses'],
    )
}}

with latest_version as (

    {{ latest_versions(
        'sql_server_dbo.addresses',
        'address_id',
        [
            "address desc",
            "zipcode desc",
        ],
        since=synced_since_watermark('sql_server_dbo.addresses'),
    ) }}

),

final as (

    select
        address_id,
        {{ address_attributes() }},
        coalesce(_fivetran_deleted, false) as is_deleted,
        {{ version_valid_from() }} as valid_from_utc,
        _fivetran_synced
    from latest_version

)

select * from final
