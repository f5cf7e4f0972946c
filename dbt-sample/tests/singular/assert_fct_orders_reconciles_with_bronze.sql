-- Every current order of bronze (its latest version, not a deletion) is in fct_orders with
-- its cost, total, lines and units (its current lines), and no other order is. Recomputed
-- from bronze. After an incremental build, the orders changed since it started reading.
{%- set since = reconciliation_since(['fct_orders']) %}
{%- set checked -%}
    order_id in ({{ bronze_orders_changed_since(since) }})
{%- endset %}
{%- set checked = checked if since is not none else none %}

with bronze_orders as (

    {{ bronze_latest('sql_server_dbo', 'orders', 'order_id', where=checked) }}

),

bronze_items as (

    {{ bronze_latest('sql_server_dbo', 'order_items', 'order_id, product_id', where=checked) }}

),

expected as (

    select
        bronze_orders.order_id,
        round(bronze_orders.order_cost, 2) as order_cost_usd,
        round(bronze_orders.order_total, 2) as order_total_usd,
        count(bronze_items.product_id) as line_count,
        coalesce(sum(bronze_items.quantity), 0) as units
    from bronze_orders
    left join bronze_items
        on
            bronze_orders.order_id = bronze_items.order_id
            and not coalesce(bronze_items._fivetran_deleted, false)
    where not coalesce(bronze_orders._fivetran_deleted, false)
    group by bronze_orders.order_id, bronze_orders.order_cost, bronze_orders.order_total

),

actual as (

    select *
    from {{ ref('fct_orders') }}
    {%- if checked %}
    where {{ checked }}
    {%- endif %}

)

select
    coalesce(expected.order_id, actual.order_id) as order_id,
    expected.units as bronze_units,
    actual.units,
    expected.line_count as bronze_line_count,
    actual.line_count,
    expected.order_cost_usd as bronze_order_cost_usd,
    actual.order_cost_usd,
    expected.order_total_usd as bronze_order_total_usd,
    actual.order_total_usd
from expected
full outer join actual
    on expected.order_id = actual.order_id
where
    expected.order_id is null
    or actual.order_id is null
    or expected.units <> actual.units
    or expected.line_count <> actual.line_count
    or abs(expected.order_cost_usd - actual.order_cost_usd) > 0.005
    or abs(expected.order_total_usd - actual.order_total_usd) > 0.005
