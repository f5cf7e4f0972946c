{{
    config(
        materialized='incremental',
        unique_key='user_id',
        pre_hook="{{ delete_changed_keys('user_id', changed_users(incremental_watermark())) }}",
    )
}}

{%- set watermark = incremental_watermark() %}

-- the change set reads these: depends_on: {{ ref('stg_orders') }} {{ ref('stg_order_items') }}

with users as (

    select * from {{ ref('stg_users') }}

),

events as (

    select * from {{ ref('stg_events') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

order_lines as (

    select * from {{ ref('fct_orders_products') }}

),

current_users as (

    select *
    from users
    where not is_deleted
    {%- if is_incremental() %}
        and user_id in ({{ changed_users(watermark) }})
    {%- endif %}

),

user_events as (

    select *
    from events
    where not is_deleted
    {%- if is_incremental() %}
        and user_id in (select user_id from current_users)
    {%- endif %}

),

visits as (

    select
        user_id,
        count(distinct session_id) as sessions,
        count(distinct case when event_type = 'checkout' then session_id end) as sessions_with_purchase,
        count(distinct case when event_type = 'page_view' then session_id || '/' || product_id end) as session_product_views,
        max(_fivetran_synced) as _fivetran_synced
    from user_events
    group by user_id

),

viewed_products as (

    select distinct
        user_id,
        product_id
    from user_events
    where event_type = 'page_view'
        and product_id is not null

),

bought_products as (

    select distinct
        user_id,
        product_id
    from order_lines
    {%- if is_incremental() %}
    where user_id in (select user_id from current_users)
    {%- endif %}

),

product_conversion as (

    select
        viewed_products.user_id,
        count(*) as products_viewed,
        count(bought_products.product_id) as viewed_products_bought
    from viewed_products
    left join bought_products
        on bought_products.user_id = viewed_products.user_id
        and bought_products.product_id = viewed_products.product_id
    group by viewed_products.user_id

),

spend as (

    select
        user_id,
        count(*) as orders,
        sum(order_total_usd) as total_spend_usd,
        max(_fivetran_synced) as _fivetran_synced
    from orders
    {%- if is_incremental() %}
    where user_id in (select user_id from current_users)
    {%- endif %}
    group by user_id

),

final as (

    select
        current_users.user_id,
        current_users.first_name,
        current_users.last_name,
        current_users.email,
        coalesce(visits.sessions, 0) as sessions,
        coalesce(visits.sessions_with_purchase, 0) as sessions_with_purchase,
        round(100 * {{ safe_divide('visits.sessions_with_purchase', 'visits.sessions') }}, 2) as purchase_session_pct,
        coalesce(product_conversion.products_viewed, 0) as products_viewed,
        round({{ safe_divide('visits.session_product_views', 'visits.sessions') }}, 2) as products_viewed_per_session,
        coalesce(product_conversion.viewed_products_bought, 0) as viewed_products_bought,
        round(
            100 * {{ safe_divide('product_conversion.viewed_products_bought', 'product_conversion.products_viewed') }}, 2
        ) as viewed_products_bought_pct,
        coalesce(spend.orders, 0) as orders,
        coalesce(spend.total_spend_usd, 0) as total_spend_usd,
        round({{ safe_divide('coalesce(spend.total_spend_usd, 0)', 'visits.sessions') }}, 2) as spend_per_session_usd,
        {{ greatest_ignore_nulls([
            'current_users._fivetran_synced',
            'visits._fivetran_synced',
            'spend._fivetran_synced',
        ]) }} as _fivetran_synced
    from current_users
    left join visits
        on visits.user_id = current_users.user_id
    left join product_conversion
        on product_conversion.user_id = current_users.user_id
    left join spend
        on spend.user_id = current_users.user_id

)

select * from final
