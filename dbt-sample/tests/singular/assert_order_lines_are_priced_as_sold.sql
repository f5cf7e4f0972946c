-- Revenue reconciles with what customers paid: every current order line is in
-- fct_orders_products at the price in force when its order was placed (recomputed from
-- bronze's product versions, macro bronze_priced_lines), and the lines of each order add up
-- to the order's order_cost to the cent. After an incremental build, the orders changed or
-- placed since it started reading.
{%- set since = reconciliation_since(['fct_orders_products']) %}
{%- set checked -%}
    order_id in (
        {{ bronze_orders_changed_since(since) }}
        union
        select order_id from {{ source('sql_server_dbo', 'orders') }} where created_at >= {{ since }}
    )
{%- endset %}
{%- set checked = checked if since is not none else none %}

with bronze_orders as (

    {{ bronze_latest('sql_server_dbo', 'orders', 'order_id', where=checked) }}

),

bronze_items as (

    {{ bronze_latest('sql_server_dbo', 'order_items', 'order_id, product_id', where=checked) }}

),

expected_lines as (

    {{ bronze_priced_lines('bronze_orders', 'bronze_items') }}

),

actual_lines as (

    select *
    from {{ ref('fct_orders_products') }}
    {%- if checked %}
    where {{ checked }}
    {%- endif %}

),

line_failures as (

    select
        coalesce(expected_lines.order_id, actual_lines.order_id) as order_id,
        coalesce(expected_lines.product_id, actual_lines.product_id) as product_id,
        'line' as failure,
        expected_lines.unit_price as expected_usd,
        actual_lines.unit_price_usd as actual_usd
    from expected_lines
    full outer join actual_lines
        on
            expected_lines.order_id = actual_lines.order_id
            and expected_lines.product_id = actual_lines.product_id
    where
        expected_lines.order_id is null
        or actual_lines.order_id is null
        or expected_lines.quantity <> actual_lines.quantity
        or abs(expected_lines.unit_price - actual_lines.unit_price_usd) > 0.005

),

order_totals as (

    select
        actual_lines.order_id,
        sum(actual_lines.line_amount_usd) as lines_usd
    from actual_lines
    group by actual_lines.order_id

),

cost_failures as (

    select
        bronze_orders.order_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        'order_cost' as failure,
        round(bronze_orders.order_cost, 2) as expected_usd,
        order_totals.lines_usd as actual_usd
    from bronze_orders
    inner join order_totals
        on bronze_orders.order_id = order_totals.order_id
    where
        not coalesce(bronze_orders._fivetran_deleted, false)
        and abs(round(bronze_orders.order_cost, 2) - order_totals.lines_usd) > 0.005

)

select * from line_failures
union all
select * from cost_failures
