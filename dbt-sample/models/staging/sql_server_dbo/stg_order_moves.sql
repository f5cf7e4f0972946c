{#- The orders that moved to another user in some version, with every user they ever had (one
    row per order and user), for the same purpose as stg_event_moves. Incremental: recomputes
    the orders that have new versions, from all their versions. -#}
{{
    config(
        materialized='incremental',
        unique_key='order_move_id',
        watermark_inputs=['sql_server_dbo.orders'],
        pre_hook="{{ delete_changed_keys('order_id', rows_since_watermark('sql_server_dbo.orders', 'order_id')) }}",
    )
}}

{%- set changed_orders = rows_since_watermark('sql_server_dbo.orders', 'order_id') %}

with versions as (

    select
        order_id,
        {{ empty_to_null('user_id') }} as user_id,
        _fivetran_synced
    from {{ source('sql_server_dbo', 'orders') }}
    {%- if is_incremental() %}
    where order_id in ({{ changed_orders }})
    {%- endif %}

),

moved_orders as (

    select
        order_id,
        max(_fivetran_synced) as _fivetran_synced
    from versions
    group by order_id
    having count(distinct coalesce(user_id, '')) > 1

),

final as (

    select distinct
        {{ surrogate_key(['versions.order_id', 'versions.user_id']) }} as order_move_id,
        versions.order_id,
        versions.user_id,
        moved_orders._fivetran_synced
    from versions
    inner join moved_orders
        on versions.order_id = moved_orders.order_id

)

select * from final
