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
        {{ product_attributes() }},
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from latest_version

)

select * from final
