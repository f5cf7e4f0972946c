{#- Orders per user with what they spent (amounts as the orders record them: product spend =
    order_cost, promo savings = order_cost + shipping - order_total) and what they bought.
    Users without orders have no row. -#}
{{
    config(
        materialized='incremental',
        watermark_inputs=['stg_orders', 'stg_order_items', 'stg_order_moves'],
        pre_hook="{{ delete_changed_keys('user_id', changed_users(['stg_orders', 'stg_order_items'])) }}",
    )
}}

{%- set changed_users = changed_users(['stg_orders', 'stg_order_items']) %}

with orders as (

    select * from {{ ref('stg_orders') }}

),

order_items as (

    select * from {{ ref('stg_order_items') }}

),

current_orders as (

    select *
    from orders
    where
        not is_deleted
        and user_id is not null
    {%- if is_incremental() %}
        and user_id in ({{ changed_users }})
    {%- endif %}

),

user_orders as (

    select
        user_id,
        count(*) as orders,
        sum(case when has_promo then 1 else 0 end) as orders_with_promo,
        sum(case when status = 'delivered' then 1 else 0 end) as delivered_orders,
        min(created_at_utc) as first_ordered_at_utc,
        max(created_at_utc) as last_ordered_at_utc,
        sum(order_cost_usd) as product_spend_usd,
        sum(shipping_cost_usd) as shipping_spend_usd,
        sum(order_cost_usd + shipping_cost_usd - order_total_usd) as promo_savings_usd,
        sum(order_total_usd) as total_spend_usd,
        max(_fivetran_synced) as _fivetran_synced
    from current_orders
    group by user_id

),

user_lines as (

    select
        current_orders.user_id,
        sum(order_items.quantity) as units_bought,
        count(distinct order_items.product_id) as products_bought,
        max(order_items._fivetran_synced) as _fivetran_synced
    from order_items
    inner join current_orders
        on order_items.order_id = current_orders.order_id
    where not order_items.is_deleted
    group by current_orders.user_id

),

final as (

    select
        user_orders.user_id,
        user_orders.orders,
        user_orders.orders_with_promo,
        user_orders.delivered_orders,
        user_orders.first_ordered_at_utc,
        user_orders.last_ordered_at_utc,
        coalesce(user_lines.units_bought, 0) as units_bought,
        coalesce(user_lines.products_bought, 0) as products_bought,
        user_orders.product_spend_usd,
        user_orders.shipping_spend_usd,
        user_orders.promo_savings_usd,
        user_orders.total_spend_usd,
        {{ greatest_ignore_nulls(['user_orders._fivetran_synced', 'user_lines._fivetran_synced']) }} as _fivetran_synced
    from user_orders
    left join user_lines
        on user_orders.user_id = user_lines.user_id

)

select * from final
