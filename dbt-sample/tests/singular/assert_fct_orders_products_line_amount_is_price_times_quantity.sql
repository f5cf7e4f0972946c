-- The line amount is unit price x quantity (not the unit price alone).
select
    order_item_id,
    unit_price_usd,
    quantity,
    line_amount_usd
from {{ ref('fct_orders_products') }}
where line_amount_usd is distinct from cast(unit_price_usd * quantity as numeric(18, 2))
