{{
    config(
        materialized='incremental',
        unique_key='order_id',
        watermark_inputs=['sql_server_dbo.orders'],
    )
}}

with latest_version as (

    {# two versions synced at the same instant: the most advanced status wins #}
    {{ latest_versions(
        'sql_server_dbo.orders',
        'order_id',
        [
            "case lower(trim(status)) when 'delivered' then 3 when 'shipped' then 2 when 'preparing' then 1 else 0 end desc",
            "delivered_at desc nulls last",
            "tracking_id desc nulls last",
        ],
        since=synced_since_watermark('sql_server_dbo.orders'),
    ) }}

),

final as (

    select
        order_id,
        {{ empty_to_null('user_id') }} as user_id,
        {{ empty_to_null('address_id') }} as address_id,
        -- promo_id holds the promo's name; no promo ('') -> the "No Promo" key
        {{ promo_key('promo_id') }} as promo_id,
        {{ empty_to_null('promo_id') }} as promo_name,
        {{ empty_to_null('promo_id') }} is not null as has_promo,
        lower({{ empty_to_null('status') }}) as status,
        lower({{ empty_to_null('shipping_service') }}) as shipping_service,
        {{ empty_to_null('tracking_id') }} as tracking_id,
        cast(order_cost as numeric(18, 2)) as order_cost_usd,
        cast(shipping_cost as numeric(18, 2)) as shipping_cost_usd,
        cast(order_total as numeric(18, 2)) as order_total_usd,
        created_at,
        {{ instant_to_utc('created_at') }} as created_at_utc,
        estimated_delivery_at,
        {{ instant_to_utc('estimated_delivery_at') }} as estimated_delivery_at_utc,
        delivered_at,
        {{ instant_to_utc('delivered_at') }} as delivered_at_utc,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from latest_version

)

select * from final
