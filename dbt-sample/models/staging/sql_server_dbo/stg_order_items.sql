{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        watermark_inputs=['sql_server_dbo.order_items'],
    )
}}

with latest_version as (

    {{ latest_versions(
        'sql_server_dbo.order_items',
        'order_id, product_id',
        [
            "quantity desc nulls last",
        ],
        since=synced_since_watermark('sql_server_dbo.order_items'),
    ) }}

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
