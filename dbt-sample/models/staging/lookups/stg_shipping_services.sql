with orders as (

    select * from {{ ref('stg_orders') }}

),

shipping_services as (

    select distinct shipping_service
    from orders
    where shipping_service is not null
        and not is_deleted

),

final as (

    select
        {{ surrogate_key(['shipping_service']) }} as shipping_service_id,
        shipping_service
    from shipping_services

)

select * from final
