with latest_version as (

    {{ latest_versions(
        'sql_server_dbo.products',
        'product_id',
        [
            "inventory asc nulls last",
            "price desc nulls last",
        ],
    ) }}

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
