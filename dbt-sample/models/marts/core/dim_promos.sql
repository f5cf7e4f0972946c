{#- A view: a projection of silver's latest versions that is always current and costs
    nothing to build. -#}
{{ config(materialized='view') }}

with promos as (

    select * from {{ ref('stg_promos') }}

),

final as (

    select
        promo_id,
        promo_name,
        discount_usd,
        status,
        is_active,
        is_no_promo
    from promos
    where not is_deleted

)

select * from final
