with latest_version as (

    {{ latest_versions(
        'sql_server_dbo.promos',
        'promo_id',
        [
            "status desc nulls last",
            "discount desc nulls last",
        ],
    ) }}

),

promos as (

    select
        {{ promo_key('promo_id') }} as promo_id,
        {{ empty_to_null('promo_id') }} as promo_name,
        cast(discount as numeric(18, 2)) as discount_usd,
        lower({{ empty_to_null('status') }}) as status,
        lower({{ empty_to_null('status') }}) = 'active' as is_active,
        false as is_no_promo,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from latest_version

),

-- the row every order without a promo points to (orders.promo_id = '')
no_promo as (

    select
        {{ promo_key("''") }} as promo_id,
        '{{ var("no_promo_name") }}' as promo_name,
        cast(0 as numeric(18, 2)) as discount_usd,
        cast(null as varchar) as status,
        cast(null as boolean) as is_active,
        true as is_no_promo,
        false as is_deleted,
        cast(null as {{ type_timestamp_tz() }}) as _fivetran_synced

),

final as (

    select * from promos
    union all
    select * from no_promo

)

select * from final
