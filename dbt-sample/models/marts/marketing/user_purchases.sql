{#- A table rebuilt on every run: a 1:1 join of the current users with int_user_orders, cheap
    at any size, and always consistent with it (a gold model built from gold cannot be
    incremental: see macros/incremental.sql). -#}
with users as (

    select * from {{ ref('stg_users') }}

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
        coalesce(user_orders.orders, 0) as orders,
        coalesce(user_orders.orders_with_promo, 0) as orders_with_promo,
        user_orders.first_ordered_at_utc,
        user_orders.last_ordered_at_utc,
        coalesce(user_orders.units_bought, 0) as units_bought,
        coalesce(user_orders.products_bought, 0) as products_bought,
        coalesce(user_orders.product_spend_usd, 0) as product_spend_usd,
        coalesce(user_orders.shipping_spend_usd, 0) as shipping_spend_usd,
        coalesce(user_orders.promo_savings_usd, 0) as promo_savings_usd,
        coalesce(user_orders.total_spend_usd, 0) as total_spend_usd,
        round({{ safe_divide('user_orders.total_spend_usd', 'user_orders.orders') }}, 2) as average_order_value_usd,
        coalesce(user_orders.orders, 0) > 0 as has_ordered,
        coalesce(user_orders.orders, 0) > 1 as is_repeat_buyer,
        {{ greatest_ignore_nulls(['current_users._fivetran_synced', 'user_orders._fivetran_synced']) }}
            as _fivetran_synced
    from current_users
    left join user_orders
        on current_users.user_id = user_orders.user_id

)

select * from final
