{#-
    A view: its product totals change with every new order of the product, so they are
    computed when read rather than stored (storing them would rewrite every line of a
    product on every batch). Joined aggregates rather than window functions: a reader that
    only needs the lines does not pay for sorting them.
-#}
{{ config(materialized='view') }}

with order_lines as (

    select * from {{ ref('fct_orders_products') }}

),

product_months as (

    select
        product_id,
        order_month,
        sum(quantity) as product_month_units,
        sum(line_amount_usd) as product_month_revenue_usd
    from order_lines
    group by product_id, order_month

),

products as (

    select
        product_id,
        sum(quantity) as product_historic_units,
        sum(line_amount_usd) as product_historic_revenue_usd
    from order_lines
    group by product_id

),

final as (

    select
        order_lines.order_item_id,
        order_lines.order_id,
        order_lines.product_id,
        order_lines.user_id,
        order_lines.order_status,
        order_lines.ordered_at_utc,
        order_lines.order_month,
        order_lines.quantity,
        order_lines.unit_price_usd,
        order_lines.line_amount_usd,
        product_months.product_month_units,
        product_months.product_month_revenue_usd,
        products.product_historic_units,
        products.product_historic_revenue_usd
    from order_lines
    inner join product_months
        on product_months.product_id = order_lines.product_id
        and product_months.order_month = order_lines.order_month
    inner join products
        on products.product_id = order_lines.product_id

)

select * from final
