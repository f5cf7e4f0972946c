{#- The price of each product in force over time, from its versions: one period per version
    that is not a deletion, from the sync that delivered it (the source records no change
    time) to the next such version's. The first period also prices orders placed before the
    product was first synced (an open start); a deleted product keeps its last price. A view
    of a small silver table. -#}
{{ config(materialized='view') }}

with product_versions as (

    select * from {{ ref('stg_product_versions') }}

),

priced_versions as (

    select *
    from product_versions
    where not is_deleted

),

final as (

    select
        product_version_id,
        product_id,
        price_usd,
        case
            when row_number() over (partition by product_id order by valid_from_utc) > 1
                then valid_from_utc
        end as price_from_utc,
        lead(valid_from_utc) over (partition by product_id order by valid_from_utc) as price_to_utc,
        _fivetran_synced
    from priced_versions

)

select * from final
