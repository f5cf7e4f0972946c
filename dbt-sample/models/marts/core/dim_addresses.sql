{#- A view: a projection of silver's latest versions that is always current and costs
    nothing to build. -#}
{{ config(materialized='view') }}

with addresses as (

    select * from {{ ref('stg_addresses') }}

),

final as (

    select
        address_id,
        address,
        zipcode,
        zipcode_text,
        state,
        country
    from addresses
    where not is_deleted

)

select * from final
