{#- One row per product inside an order, priced as sold: the price in force when the order
    was placed (int_product_prices), so the lines of an order add up to its order_cost. -#}
{{
    config(
        materialized='incremental',
        watermark_inputs=['stg_orders', 'stg_order_items', 'int_product_prices'],
        pre_hook="{{ delete_changed_keys('order_id', changed_order_lines()) }}",
    )
}}

{%- set changed_order_lines = changed_order_lines() %}

with orders as (

    select * from {{ ref('stg_orders') }}

),

order_items as (

    select * from {{ ref('stg_order_items') }}

),

prices as (

    select * from {{ ref('int_product_prices') }}

),

current_orders as (

    select *
    from orders
    where not is_deleted
    {%- if is_incremental() %}
        and order_id in ({{ changed_order_lines }})
    {%- endif %}

),

current_lines as (

    select *
    from order_items
    where not is_deleted
    {%- if is_incremental() %}
        and order_id in ({{ changed_order_lines }})
    {%- endif %}

),

final as (

    select
        order_lines.order_item_id,
        order_lines.order_id,
        order_lines.product_id,
        current_orders.user_id,
        current_orders.promo_id,
        current_orders.status as order_status,
        current_orders.created_at_utc as ordered_at_utc,
        {{ shop_date('current_orders.created_at_utc') }} as order_date,
        {{ shop_month('current_orders.created_at_utc') }} as order_month,
        order_lines.quantity,
        prices.price_usd as unit_price_usd,
        cast(prices.price_usd * order_lines.quantity as numeric(18, 2)) as line_amount_usd,
        {{ greatest_ignore_nulls([
            'current_orders._fivetran_synced',
            'order_lines._fivetran_synced',
            'prices._fivetran_synced',
        ]) }} as _fivetran_synced
    from current_lines as order_lines
    inner join current_orders
        on order_lines.order_id = current_orders.order_id
    left join prices
        on
            order_lines.product_id = prices.product_id
            and (prices.price_from_utc is null or current_orders.created_at_utc >= prices.price_from_utc)
            and (prices.price_to_utc is null or current_orders.created_at_utc < prices.price_to_utc)

)

select * from final
