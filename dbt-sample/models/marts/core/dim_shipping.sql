{{
    config(
        materialized='incremental',
        unique_key='order_id',
        pre_hook="{{ delete_changed_keys('order_id', changed_orders(incremental_watermark(), include_items=false)) }}",
    )
}}

{%- set watermark = incremental_watermark() %}

with orders as (

    select * from {{ ref('stg_orders') }}

),

current_orders as (

    select *
    from orders
    where not is_deleted
    {%- if is_incremental() %}
        and order_id in ({{ changed_orders(watermark, include_items=false) }})
    {%- endif %}

),

final as (

    select
        order_id,
        case
            when shipping_service is not null then {{ surrogate_key(['shipping_service']) }}
        end as shipping_service_id,
        shipping_service,
        tracking_id,
        address_id,
        status as order_status,
        shipping_cost_usd,
        created_at_utc as ordered_at_utc,
        estimated_delivery_at_utc,
        delivered_at_utc,
        status in ('shipped', 'delivered') as is_shipped,
        status = 'delivered' as is_delivered,
        case
            when delivered_at_utc is not null and estimated_delivery_at_utc is not null
                then delivered_at_utc > estimated_delivery_at_utc
        end as is_delivered_late,
        round({{ seconds_between('created_at_utc', 'delivered_at_utc') }} / 86400.0, 2) as delivery_days,
        _fivetran_synced
    from current_orders

)

select * from final
