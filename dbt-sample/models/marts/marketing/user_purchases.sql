{{
    config(
        materialized='incremental',
        unique_key='user_id',
        pre_hook="{{ delete_changed_keys('user_id', changed_users(incremental_watermark(), ['users', 'orders', 'order_items'])) }}",
    )
}}

{%- set watermark = incremental_watermark() %}

-- the change set reads these: depends_on: {{ ref('stg_orders') }} {{ ref('stg_order_items') }}

with users as (

    select * from {{ ref('stg_users') }}

),

user_orders as (

    select * from {{ ref('int_user_orders') }}

),

order_lines as (

    select * from {{ ref('fct_orders_products') }}

),

current_users as (

    select *
    from users
    where not is_deleted
    {%- if is_incremental() %}
        and user_id in ({{ changed_users(watermark, ['users', 'orders', 'order_items']) }})
    {%- endif %}

),

user_lines as (

    select
        user_id,
        sum(quantity) as units_bought,
        count(distinct product_id) as products_bought,
        max(_fivetran_synced) as _fivetran_synced
    from order_lines
    {%- if is_incremental() %}
    where user_id in (select user_id from current_users)
    {%- endif %}
    group by user_id

),

final as (

    select
        current_users.user_id,
        current_users.first_name,
        current_users.last_name,
        current_users.email,
        coalesce(user_orders.orders, 0) as orders,
        coalesce(user_orders.orders_with_promo, 0) as orders_with_promo,
        user_orders.first_ordered_at_utc,
        user_orders.last_ordered_at_utc,
        coalesce(user_lines.units_bought, 0) as units_bought,
        coalesce(user_lines.products_bought, 0) as products_bought,
        coalesce(user_orders.product_spend_usd, 0) as product_spend_usd,
        coalesce(user_orders.shipping_spend_usd, 0) as shipping_spend_usd,
        coalesce(user_orders.promo_savings_usd, 0) as promo_savings_usd,
        coalesce(user_orders.total_spend_usd, 0) as total_spend_usd,
        round({{ safe_divide('user_orders.total_spend_usd', 'user_orders.orders') }}, 2) as average_order_value_usd,
        coalesce(user_orders.orders, 0) > 0 as has_ordered,
        coalesce(user_orders.orders, 0) > 1 as is_repeat_buyer,
        {{ greatest_ignore_nulls([
            'current_users._fivetran_synced',
            'user_orders._fivetran_synced',
            'user_lines._fivetran_synced',
        ]) }} as _fivetran_synced
    from current_users
    left join user_orders
        on user_orders.user_id = current_users.user_id
    left join user_lines
        on user_lines.user_id = current_users.user_id

)

select * from final
