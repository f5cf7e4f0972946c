with products as (

    select * from {{ ref('dim_products') }}

),

order_lines as (

    select * from {{ ref('fct_orders_products') }}

),

events as (

    select * from {{ ref('stg_events') }}

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

product_events as (

    select
        product_id,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts
    from events
    where not is_deleted
        and product_id is not null
    group by product_id

),

-- distinct (product, session) pairs first: cheaper than count(distinct) per product
product_visits as (

    select distinct
        product_id,
        session_id
    from events
    where not is_deleted
        and event_type = 'page_view'
        and product_id is not null

),

web_visits as (

    select
        product_id,
        count(*) as web_visits
    from product_visits
    group by product_id

),

final as (

    select
        products.product_id,
        products.product_name,
        products.price_usd,
        products.inventory,
        coalesce(web_visits.web_visits, 0) as web_visits,
        coalesce(product_events.page_views, 0) as page_views,
        coalesce(product_events.add_to_carts, 0) as add_to_carts,
        coalesce(sales.times_ordered, 0) as times_ordered,
        coalesce(sales.units_sold, 0) as units_sold,
        coalesce(sales.revenue_usd, 0) as revenue_usd,
        round(100 * {{ safe_divide('sales.times_ordered', 'web_visits.web_visits') }}, 2) as orders_per_100_visits
    from products
    left join sales
        on sales.product_id = products.product_id
    left join product_events
        on product_events.product_id = products.product_id
    left join web_visits
        on web_visits.product_id = products.product_id

)

select * from final
