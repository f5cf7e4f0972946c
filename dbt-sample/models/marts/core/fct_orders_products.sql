{#- The pre-hook deletes only the changed orders: it must not read this model (see
    changed_order_lines); lines with a stale price are replaced through the unique key. -#}
{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        pre_hook="{{ delete_changed_keys('order_id', changed_orders(incremental_watermark())) }}",
    )
}}

{%- set watermark = incremental_watermark() %}

with orders as (

    select * from {{ ref('stg_orders') }}

),

order_items as (

    select * from {{ ref('stg_order_items') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

{%- if is_incremental() %}

changed_orders as (

    {{ changed_order_lines(watermark) }}

),
{%- endif %}

current_orders as (

    select *
    from orders
    where not is_deleted
    {%- if is_incremental() %}
        and order_id in (select order_id from changed_orders)
    {%- endif %}

),

current_lines as (

    select *
    from order_items
    where not is_deleted
    {%- if is_incremental() %}
        and order_id in (select order_id from changed_orders)
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
        cast(current_orders.created_at_utc as date) as order_date,
        cast(date_trunc('month', current_orders.created_at_utc) as date) as order_month,
        order_lines.quantity,
        products.price_usd as unit_price_usd,
        cast(products.price_usd * order_lines.quantity as numeric(18, 2)) as line_amount_usd,
        {{ greatest_ignore_nulls(['current_orders._fivetran_synced', 'order_lines._fivetran_synced']) }} as _fivetran_synced
    from current_lines as order_lines
    inner join current_orders
        on current_orders.order_id = order_lines.order_id
    left join products
        on products.product_id = order_lines.product_id

)

select * from final
