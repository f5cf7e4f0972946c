-- user_purchases and user_web_analytics hold exactly bronze's current users (latest version,
-- not a deletion), each with the orders and total spend of their current orders and the
-- sessions of their current events. Recomputed from bronze. After an incremental build, the
-- users whose rows, orders, order lines or events changed since (in any of their versions).
{%- set since = reconciliation_since(['stg_users', 'int_user_orders', 'int_user_events']) %}
{%- set checked -%}
    user_id in (
        select user_id from {{ source('sql_server_dbo', 'users') }} where _fivetran_synced >= {{ since }}
        union
        select user_id from {{ source('sql_server_dbo', 'orders') }} where order_id in ({{ bronze_orders_changed_since(since) }})
        union
        select user_id from {{ source('sql_server_dbo', 'events') }}
        where event_id in (select event_id from {{ source('sql_server_dbo', 'events') }} where _fivetran_synced >= {{ since }})
    )
{%- endset %}
{%- set checked = checked if since is not none else none %}

with bronze_users as (

    {{ bronze_latest('sql_server_dbo', 'users', 'user_id', where=checked) }}

),

bronze_orders as (

    {#- the latest version of every order that belonged to a checked user in some version -#}
    {{ bronze_latest('sql_server_dbo', 'orders', 'order_id', where=(
        'order_id in (select order_id from ' ~ source('sql_server_dbo', 'orders') ~ ' where ' ~ checked ~ ')'
    ) if checked else none) }}

),

bronze_events as (

    {{ bronze_latest('sql_server_dbo', 'events', 'event_id', where=(
        'event_id in (select event_id from ' ~ source('sql_server_dbo', 'events') ~ ' where ' ~ checked ~ ')'
    ) if checked else none) }}

),

current_users as (

    select user_id
    from bronze_users
    where not coalesce(_fivetran_deleted, false)

),

user_orders as (

    select
        user_id,
        count(*) as orders,
        round(sum(order_total), 2) as total_spend_usd
    from bronze_orders
    where not coalesce(_fivetran_deleted, false)
    group by user_id

),

user_sessions as (

    select
        user_id,
        count(distinct nullif(trim(session_id), '')) as sessions
    from bronze_events
    where not coalesce(_fivetran_deleted, false)
    group by user_id

),

expected as (

    select
        current_users.user_id,
        coalesce(user_orders.orders, 0) as orders,
        coalesce(user_orders.total_spend_usd, 0) as total_spend_usd,
        coalesce(user_sessions.sessions, 0) as sessions
    from current_users
    left join user_orders
        on current_users.user_id = user_orders.user_id
    left join user_sessions
        on current_users.user_id = user_sessions.user_id

),

purchases as (

    select *
    from {{ ref('user_purchases') }}
    {%- if checked %}
    where {{ checked }}
    {%- endif %}

),

web_analytics as (

    select *
    from {{ ref('user_web_analytics') }}
    {%- if checked %}
    where {{ checked }}
    {%- endif %}

)

select
    coalesce(expected.user_id, purchases.user_id, web_analytics.user_id) as user_id,
    expected.orders as bronze_orders,
    purchases.orders as purchases_orders,
    web_analytics.orders as web_analytics_orders,
    expected.total_spend_usd as bronze_total_spend_usd,
    purchases.total_spend_usd as purchases_total_spend_usd,
    expected.sessions as bronze_sessions,
    web_analytics.sessions as web_analytics_sessions
from expected
full outer join purchases
    on expected.user_id = purchases.user_id
full outer join web_analytics
    on coalesce(expected.user_id, purchases.user_id) = web_analytics.user_id
where
    expected.user_id is null
    or purchases.user_id is null
    or web_analytics.user_id is null
    or expected.orders <> purchases.orders
    or expected.orders <> web_analytics.orders
    or abs(expected.total_spend_usd - purchases.total_spend_usd) > 0.005
    or abs(expected.total_spend_usd - web_analytics.total_spend_usd) > 0.005
    or expected.sessions <> web_analytics.sessions
