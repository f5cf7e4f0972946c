{#- One row per product, deleted ones included (a deleted product keeps what it sold). A
    table rebuilt on every run from the order lines and the session-product pairs, both a
    few columns grouped by a few dozen products. -#}
with products as (

    select * from {{ ref('stg_products') }}

),

order_lines as (

    select * from {{ ref('fct_orders_products') }}

),

session_products as (

    select * from {{ ref('int_session_products') }}

),

-- one row per product: the lines are unique per (order, product), so no fan-out
sales as (

    select
        product_id,
        count(*) as times_ordered,
        sum(quantity) as units_sold,
        sum(line_amount_usd) as revenue_usd
    from order_lines
    group by product_id

),

visits as (

    select
        product_id,
        sum(case when page_views > 0 then 1 else 0 end) as web_visits,
        sum(page_views) as page_views,
        sum(add_to_carts) as add_to_carts
    from session_products
    group by product_id

),

final as (

    select
        products.product_id,
        products.product_name,
        products.price_usd,
        products.inventory,
        products.is_deleted,
        coalesce(visits.web_visits, 0) as web_visits,
        coalesce(visits.page_views, 0) as page_views,
        coalesce(visits.add_to_carts, 0) as add_to_carts,
        coalesce(sales.times_ordered, 0) as times_ordered,
        coalesce(sales.units_sold, 0) as units_sold,
        coalesce(sales.revenue_usd, 0) as revenue_usd,
        round(100 * {{ safe_divide('sales.times_ordered', 'visits.web_visits') }}, 2) as orders_per_100_visits
    from products
    left join sales
        on products.product_id = sales.product_id
    left join visits
        on products.product_id = visits.product_id

)

select * from final
