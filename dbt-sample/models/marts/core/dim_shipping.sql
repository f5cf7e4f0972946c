{{
    config(
        materialized='incremental',
        watermark_inputs=['stg_orders'],
        pre_hook="{{ delete_changed_keys('order_id', rows_since_watermark('stg_orders', 'order_id')) }}",
    )
}}

{%- set changed_orders = rows_since_watermark('stg_orders', 'order_id') %}

with orders as (

    select * from {{ ref('stg_orders') }}

),

current_orders as (

    select *
    from orders
    where not is_deleted
    {%- if is_incremental() %}
        and order_id in ({{ changed_orders }})
    {%- endif %}

),

final as (

    select
        order_id,
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
        round(
            {{ seconds_between('created_at_utc', 'delivered_at_utc') }} / 86400.0, 2
        ) as delivery_days,
        _fivetran_synced
    from current_orders

)

select * from final
