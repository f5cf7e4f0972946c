{#- A table rebuilt on every run: a 1:1 join of the current users with int_user_events and
    int_user_orders (see user_purchases). -#}
with users as (

    select * from {{ ref('stg_users') }}

),

user_events as (

    select * from {{ ref('int_user_events') }}

),

user_orders as (

    select * from {{ ref('int_user_orders') }}

),

current_users as (

    select *
    from users
    where not is_deleted

),

final as (

    select
        current_users.user_id,
        current_users.first_name,
        current_users.last_name,
        current_users.email,
        coalesce(user_events.sessions, 0) as sessions,
        coalesce(user_events.sessions_with_purchase, 0) as sessions_with_purchase,
        round(100 * {{ safe_divide('user_events.sessions_with_purchase', 'user_events.sessions') }}, 2)
            as purchase_session_pct,
        coalesce(user_events.products_viewed, 0) as products_viewed,
        round({{ safe_divide('user_events.session_product_views', 'user_events.sessions') }}, 2)
            as products_viewed_per_session,
        coalesce(user_events.viewed_products_bought, 0) as viewed_products_bought,
        round(
            100 * {{ safe_divide('user_events.viewed_products_bought', 'user_events.products_viewed') }}, 2
        ) as viewed_products_bought_pct,
        coalesce(user_orders.orders, 0) as orders,
        coalesce(user_orders.total_spend_usd, 0) as total_spend_usd,
        round({{ safe_divide('coalesce(user_orders.total_spend_usd, 0)', 'user_events.sessions') }}, 2)
            as spend_per_session_usd,
        {{ greatest_ignore_nulls([
            'current_users._fivetran_synced',
            'user_events._fivetran_synced',
            'user_orders._fivetran_synced',
        ]) }} as _fivetran_synced
    from current_users
    left join user_events
        on current_users.user_id = user_events.user_id
    left join user_orders
        on current_users.user_id = user_orders.user_id

)

select * from final
