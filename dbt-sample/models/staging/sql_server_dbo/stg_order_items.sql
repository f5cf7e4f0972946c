{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
    )
}}

with source as (

    select * from {{ source('sql_server_dbo', 'order_items') }}
    {% if is_incremental() %}
    where _fivetran_synced >= {{ incremental_watermark() }}
    {% endif %}

),

latest_version as (

    select *
    from source
    qualify row_number() over (
        partition by order_id, product_id
        order by
            _fivetran_synced desc,
            coalesce(_fivetran_deleted, false) desc,
            quantity desc nulls last
    ) = 1

),

final as (

    select
        {{ surrogate_key(['order_id', 'product_id']) }} as order_item_id,
        order_id,
        product_id,
        cast(quantity as integer) as quantity,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from latest_version

)

select * from final
