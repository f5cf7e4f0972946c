with source as (

    select * from {{ source('google_sheets', 'budget') }}

),

latest_version as (

    select *
    from source
    qualify row_number() over (
        partition by _row
        order by
            _fivetran_synced desc,
            month desc nulls last,
            quantity desc nulls last
    ) = 1

),

final as (

    select
        cast(_row as integer) as budget_id,
        {{ empty_to_null('product_id') }} as product_id,
        cast(date_trunc('month', month) as date) as budget_month,
        cast(quantity as integer) as budget_quantity,
        _fivetran_synced
    from latest_version

)

select * from final
