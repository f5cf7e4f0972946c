-- Units and revenue per product and shop-local month (var shop_timezone) in
-- products_budget_vs_sales are those of bronze's current order lines priced as sold, and
-- its budgets those of the budget sheet's current lines. Recomputed from bronze. After an
-- incremental build, the months of the orders changed since it started reading.
{%- set since = reconciliation_since(['fct_orders_products']) %}
{%- set months -%}
    select distinct {{ shop_month(instant_to_utc('created_at')) }} as calendar_month
    from {{ source('sql_server_dbo', 'orders') }}
    where order_id in ({{ bronze_orders_changed_since(since) }})
{%- endset %}
{#- the orders placed in those months or shortly before: a month starts at most a day after
    its first day in UTC -#}
{%- set recent -%}
    order_id in (
        select order_id from {{ source('sql_server_dbo', 'orders') }}
        where created_at >= cast({{ dbt.dateadd('day', -2, '(select min(calendar_month) from (' ~ months ~ ') as checked_months)') }} as {{ type_timestamp_tz() }})
    )
{%- endset %}
{%- set recent = recent if since is not none else none %}

with bronze_orders as (

    {{ bronze_latest('sql_server_dbo', 'orders', 'order_id', where=recent) }}

),

bronze_items as (

    {{ bronze_latest('sql_server_dbo', 'order_items', 'order_id, product_id', where=recent) }}

),

bronze_budget as (

    {{ bronze_latest('google_sheets', 'budget', '_row') }}

),

priced_lines as (

    {{ bronze_priced_lines('bronze_orders', 'bronze_items') }}

),

expected_sales as (

    select
        product_id,
        {{ shop_month(instant_to_utc('created_at')) }} as calendar_month,
        sum(quantity) as units_sold,
        round(sum(round(unit_price * quantity, 2)), 2) as revenue_usd
    from priced_lines
    group by product_id, {{ shop_month(instant_to_utc('created_at')) }}

),

expected_budget as (

    select
        product_id,
        cast(date_trunc('month', month) as date) as calendar_month,
        sum(quantity) as budget_quantity
    from bronze_budget
    group by product_id, cast(date_trunc('month', month) as date)

),

expected as (

    select
        coalesce(expected_sales.product_id, expected_budget.product_id) as product_id,
        coalesce(expected_sales.calendar_month, expected_budget.calendar_month) as calendar_month,
        coalesce(expected_sales.units_sold, 0) as units_sold,
        coalesce(expected_sales.revenue_usd, 0) as revenue_usd,
        coalesce(expected_budget.budget_quantity, 0) as budget_quantity
    from expected_sales
    full outer join expected_budget
        on
            expected_sales.product_id = expected_budget.product_id
            and expected_sales.calendar_month = expected_budget.calendar_month

),

checked_expected as (

    select *
    from expected
    {%- if since is not none %}
    where calendar_month in ({{ months }})
    {%- endif %}

),

actual as (

    select *
    from {{ ref('products_budget_vs_sales') }}
    {%- if since is not none %}
    where calendar_month in ({{ months }})
    {%- endif %}

)

select
    coalesce(checked_expected.product_id, actual.product_id) as product_id,
    coalesce(checked_expected.calendar_month, actual.calendar_month) as calendar_month,
    checked_expected.units_sold as bronze_units_sold,
    actual.units_sold,
    checked_expected.revenue_usd as bronze_revenue_usd,
    actual.revenue_usd,
    checked_expected.budget_quantity as bronze_budget_quantity,
    actual.budget_quantity
from checked_expected
full outer join actual
    on
        checked_expected.product_id = actual.product_id
        and checked_expected.calendar_month = actual.calendar_month
where
    checked_expected.product_id is null
    or actual.product_id is null
    or checked_expected.units_sold <> actual.units_sold
    or abs(checked_expected.revenue_usd - actual.revenue_usd) > 0.005
    or checked_expected.budget_quantity <> actual.budget_quantity
