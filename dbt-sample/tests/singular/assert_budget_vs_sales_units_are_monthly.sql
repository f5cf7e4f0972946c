-- Units sold per product-month must add up, over the months, to the product's units:
-- comparing each month's budget with all-time units would not.
with budget_vs_sales as (

    select * from {{ ref('products_budget_vs_sales') }}

),

order_lines as (

    select * from {{ ref('fct_orders_products') }}

),

mart as (

    select
        product_id,
        sum(units_sold) as units_sold,
        sum(revenue_usd) as revenue_usd
    from budget_vs_sales
    group by product_id

),

lines as (

    select
        product_id,
        sum(quantity) as units_sold,
        sum(line_amount_usd) as revenue_usd
    from order_lines
    group by product_id

)

select
    mart.product_id,
    mart.units_sold,
    lines.units_sold as line_units_sold
from mart
left join lines
    on mart.product_id = lines.product_id
where
    coalesce(lines.units_sold, 0) <> mart.units_sold
    or coalesce(lines.revenue_usd, 0) <> mart.revenue_usd
