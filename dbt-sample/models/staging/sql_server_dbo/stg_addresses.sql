{{
    config(
        materialized='incremental',
        unique_key='address_id',
    )
}}

with source as (

    select * from {{ source('sql_server_dbo', 'addresses') }}
    {% if is_incremental() %}
    where _fivetran_synced >= {{ incremental_watermark() }}
    {% endif %}

),

latest_version as (

    select *
    from source
    qualify row_number() over (
        partition by address_id
        order by
            _fivetran_synced desc,
            coalesce(_fivetran_deleted, false) desc,
            address desc,
            zipcode desc
    ) = 1

),

final as (

    select
        address_id,
        {{ empty_to_null('address') }} as address,
        cast(zipcode as integer) as zipcode,
        -- the source stores zipcodes as numbers, losing leading zeros
        lpad(cast(zipcode as varchar), 5, '0') as zipcode_text,
        {{ empty_to_null('state') }} as state,
        {{ empty_to_null('country') }} as country,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from latest_version

)

select * from final
