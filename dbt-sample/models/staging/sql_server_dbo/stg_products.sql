with source as (

    select * from {{ source('sql_server_dbo', 'products') }}

),

latest_version as (

    select *
    from source
    qualify row_number() over (
        partition by product_id
        order by
            _fivetran_synced desc,
            coalesce(_fivetran_deleted, false) desc,
            inventory asc nulls last,
            price desc nulls last
    ) = 1

),

final as (

    select
        product_id,
        {{ empty_to_null('name') }} as product_name,
        cast(price as numeric(18, 2)) as price_usd,
        cast(inventory as integer) as inventory,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from latest_version

)

select * from final
