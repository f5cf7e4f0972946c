{{
    config(
        materialized='incremental',
        watermark_inputs=['stg_orders', 'stg_order_items'],
        pre_hook="{{ delete_changed_keys('order_id', changed_orders()) }}",
    )
}}

{%- set changed_orders = changed_orders() %}

with orders as (

    select * from {{ ref('stg_orders') }}

),

order_items as (

    select * from {{ ref('stg_order_items') }}

),

current_orders as (

    select *
    from orders
    where not is_deleted
    {%- if is_incremental() %}
        and order_id in ({{ changed_orders }})
    {%- endif %}

),

line_totals as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        max(_fivetran_synced) as _fivetran_synced
    from order_items
    where not is_deleted
    {%- if is_incremental() %}
        and order_id in ({{ changed_orders }})
    {%- endif %}
    group by order_id

),

final as (

    select
        current_orders.order_id,
        current_orders.user_id,
        current_orders.address_id,
        current_orders.promo_id,
        current_orders.has_promo,
        current_orders.status as order_status,
        current_orders.created_at_utc as ordered_at_utc,
        {{ shop_date('current_orders.created_at_utc') }} as order_date,
        {{ shop_month('current_orders.created_at_utc') }} as order_month,
        current_orders.estimated_delivery_at_utc,
        current_orders.delivered_at_utc,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.units, 0) as units,
        current_orders.order_cost_usd,
        current_orders.shipping_cost_usd,
        -- what the promo took off, as the order itself records it
        current_orders.order_cost_usd
        + current_orders.shipping_cost_usd
        - current_orders.order_total_usd as discount_usd,
        current_orders.order_total_usd,
        {{ greatest_ignore_nulls(['current_orders._fivetran_synced', 'line_totals._fivetran_synced']) }}
            as _fivetran_synced
    from current_orders
    left join line_totals
        on current_orders.order_id = line_totals.order_id

)

select * from final
