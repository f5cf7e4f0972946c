-- product_sales must add up to the order lines of its products: a fanned-out join would
-- inflate revenue, units or times ordered.
with product_sales as (

    select * from {{ ref('product_sales') }}

),

order_lines as (

    select * from {{ ref('fct_orders_products') }}

),

mart as (

    select
        sum(revenue_usd) as revenue_usd,
        sum(units_sold) as units_sold,
        sum(times_ordered) as times_ordered
    from product_sales

),

lines as (

    select
        coalesce(sum(line_amount_usd), 0) as revenue_usd,
        coalesce(sum(quantity), 0) as units_sold,
        count(*) as times_ordered
    from order_lines
    where product_id in (select product_sales.product_id from product_sales)

)

select
    mart.revenue_usd,
    lines.revenue_usd as line_revenue_usd,
    mart.units_sold,
    lines.units_sold as line_units_sold,
    mart.times_ordered,
    lines.times_ordered as line_times_ordered
from mart
cross join lines
where
    mart.revenue_usd <> lines.revenue_usd
    or mart.units_sold <> lines.units_sold
    or mart.times_ordered <> lines.times_ordered
