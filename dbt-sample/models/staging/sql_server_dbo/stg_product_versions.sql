{#- Every version of every product bronze holds (a new one whenever its price or inventory
    changes), valid from the sync that delivered it until the next version. Revenue is
    priced from these (int_product_prices), never from today's price. -#}
with versions as (

    {{ versions_with_validity(
        'sql_server_dbo.products',
        'product_id',
        tie_breakers=[
            "inventory asc nulls last",
            "price desc nulls last",
        ],
    ) }}

),

final as (

    select
        {{ surrogate_key(['product_id', 'valid_from_utc']) }} as product_version_id,
        product_id,
        {{ product_attributes() }},
        {{ version_columns() }}
    from versions

)

select * from final
