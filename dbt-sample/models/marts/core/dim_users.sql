{#- A view: a projection of silver's latest versions that is always current and costs
    nothing to build. -#}
{{ config(materialized='view') }}

with users as (

    select * from {{ ref('stg_users') }}

),

addresses as (

    select * from {{ ref('stg_addresses') }}

),

final as (

    select
        users.user_id,
        users.first_name,
        users.last_name,
        users.email,
        users.phone_number,
        users.address_id,
        addresses.address,
        addresses.zipcode,
        addresses.zipcode_text,
        addresses.state,
        addresses.country,
        users.total_orders,
        users.created_at_utc,
        users.updated_at_utc
    from users
    left join addresses
        on
            users.address_id = addresses.address_id
            and not addresses.is_deleted
    where not users.is_deleted

)

select * from final
