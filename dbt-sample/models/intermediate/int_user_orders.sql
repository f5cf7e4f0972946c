{{
    config(
        materialized='incremental',
        unique_key='user_id',
        pre_hook="{{ delete_changed_keys('user_id', changed_users(incremental_watermark(), ['orders'])) }}",
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
        and user_id is not null
    {%- if is_incremental() %}
        and user_id in ({{ changed_users(watermark, ['orders']) }})
    {%- endif %}

),

final as (

    select
        user_id,
        count(*) as orders,
        sum(case when has_promo then 1 else 0 end) as orders_with_promo,
        sum(case when status = 'delivered' then 1 else 0 end) as delivered_orders,
        min(created_at_utc) as first_ordered_at_utc,
        max(created_at_utc) as last_ordered_at_utc,
        sum(order_cost_usd) as product_spend_usd,
        sum(shipping_cost_usd) as shipping_spend_usd,
        -- what promos took off, as the orders record it: cost + shipping - total
        sum(order_cost_usd + shipping_cost_usd - order_total_usd) as promo_savings_usd,
        sum(order_total_usd) as total_spend_usd,
        max(_fivetran_synced) as _fivetran_synced
    from current_orders
    group by user_id

)

select * from final
