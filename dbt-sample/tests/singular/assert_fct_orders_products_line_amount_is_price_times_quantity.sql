-- The line amount is unit price x quantity (not the unit price alone).
select *
from {{ ref('fct_orders_products') }}
where line_amount_usd is distinct from cast(unit_price_usd * quantity as numeric(18, 2))
