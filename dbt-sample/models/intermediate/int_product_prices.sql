{#- The price of each product in force over time, from its versions: one period per price,
    from the sync that delivered the version setting it (the source records no change time)
    to the next version with another price; versions that only change the inventory start no
    period. A deletion keeps the row's last values, so a deleted version prices like any other:
    a deleted product keeps its last price, and a product bronze only ever saw deleted (created
    and discontinued between two syncs) still prices the orders placed while it was sold. The
    first period also prices orders placed before the product was first synced (an open
    start). A view of a small silver table. -#}
{{ config(materialized='view') }}

with product_versions as (

    select * from {{ ref('stg_product_versions') }}

),

priced_versions as (

    select
        *,
        lag(price_usd) over (partition by product_id order by valid_from_utc) as previous_price_usd
    from product_versions

),

price_changes as (

    select *
    from priced_versions
    where
        previous_price_usd is null
        or price_usd <> previous_price_usd

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
    from price_changes

)

select * from final
