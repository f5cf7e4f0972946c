{#- A view: a projection of silver's latest versions that is always current and costs
    nothing to build. -#}
{{ config(materialized='view') }}

with products as (

    select * from {{ ref('stg_products') }}

),

final as (

    select
        product_id,
        product_name,
        price_usd,
        inventory,
        inventory > 0 as is_in_stock
    from products
    where not is_deleted

)

select * from final
