{#- What each user did on the site: visits, one count per event type (0, never NULL, for a
    type the user never produced), the products viewed and how many of them the user
    bought (in any order). Users without any event have no row. -#}
{{
    config(
        materialized='incremental',
        watermark_inputs=['stg_events', 'stg_event_moves', 'stg_orders', 'stg_order_items', 'stg_order_moves'],
        pre_hook="{{ delete_changed_keys('user_id', changed_users(['stg_events', 'stg_orders', 'stg_order_items'])) }}",
    )
}}

{%- set changed_users = changed_users(['stg_events', 'stg_orders', 'stg_order_items']) %}

with events as (

    select * from {{ ref('stg_events') }}

),

orders as (

    select * from {{ ref('stg_orders') }}

),

order_items as (

    select * from {{ ref('stg_order_items') }}

),

current_events as (

    select *
    from events
    where
        not is_deleted
        and user_id is not null
    {%- if is_incremental() %}
        and user_id in ({{ changed_users }})
    {%- endif %}

),

user_events as (

    select
        user_id,
        count(distinct session_id) as sessions,
        count(distinct case when event_type = 'checkout' then session_id end) as sessions_with_purchase,
        -- distinct products viewed in each session, added up over the sessions
        count(distinct case when event_type = 'page_view' then session_id || '/' || product_id end)
            as session_product_views,
        {{ event_type_counts() }}
        count(*) as total_events,
        min(created_at_utc) as first_event_at_utc,
        max(created_at_utc) as last_event_at_utc,
        max(_fivetran_synced) as _fivetran_synced
    from current_events
    group by user_id

),

viewed_products as (

    select distinct
        user_id,
        product_id
    from current_events
    where
        event_type = 'page_view'
        and product_id is not null

),

bought_products as (

    select
        orders.user_id,
        order_items.product_id,
        max({{ greatest_ignore_nulls(['orders._fivetran_synced', 'order_items._fivetran_synced']) }})
            as _fivetran_synced
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    where
        not orders.is_deleted
        and not order_items.is_deleted
        and orders.user_id in (select viewed_products.user_id from viewed_products)
    group by orders.user_id, order_items.product_id

),

product_conversion as (

    select
        viewed_products.user_id,
        count(*) as products_viewed,
        count(bought_products.product_id) as viewed_products_bought,
        max(bought_products._fivetran_synced) as _fivetran_synced
    from viewed_products
    left join bought_products
        on
            viewed_products.user_id = bought_products.user_id
            and viewed_products.product_id = bought_products.product_id
    group by viewed_products.user_id

),

final as (

    select
        user_events.user_id,
        user_events.sessions,
        user_events.sessions_with_purchase,
        user_events.session_product_views,
        coalesce(product_conversion.products_viewed, 0) as products_viewed,
        coalesce(product_conversion.viewed_products_bought, 0) as viewed_products_bought,
        {%- for event_type in var('event_types') %}
            user_events.{{ event_type }}_events,
        {%- endfor %}
        user_events.total_events,
        user_events.first_event_at_utc,
        user_events.last_event_at_utc,
        {{ greatest_ignore_nulls(['user_events._fivetran_synced', 'product_conversion._fivetran_synced']) }}
            as _fivetran_synced
    from user_events
    left join product_conversion
        on user_events.user_id = product_conversion.user_id

)

select * from final
