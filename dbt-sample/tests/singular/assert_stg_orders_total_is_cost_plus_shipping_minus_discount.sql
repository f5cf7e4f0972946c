-- An order's total must be its cost plus shipping minus its promo's discount
-- ("No Promo": 0), to the cent.
with orders as (

    select * from {{ ref('stg_orders') }}

),

promos as (

    select * from {{ ref('stg_promos') }}

)

select
    orders.order_id,
    orders.order_cost_usd,
    orders.shipping_cost_usd,
    promos.discount_usd,
    orders.order_total_usd
from orders
left join promos
    on orders.promo_id = promos.promo_id
where
    not orders.is_deleted
    and (
        promos.promo_id is null
        or abs(orders.order_cost_usd + orders.shipping_cost_usd - promos.discount_usd - orders.order_total_usd) > 0.01
    )
