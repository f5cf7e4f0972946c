{#- Every version of every address bronze holds, valid from the sync that delivered it (the
    source records no change time) until the next version. -#}
{{
    config(
        materialized='incremental',
        unique_key='address_version_id',
        watermark_inputs=['sql_server_dbo.addresses'],
        pre_hook="{{ delete_changed_keys('address_id', rows_since_watermark('sql_server_dbo.addresses', 'address_id')) }}",
    )
}}

{%- set changed = rows_since_watermark('sql_server_dbo.addresses', 'address_id') %}

with versions as (

    {{ versions_with_validity(
        'sql_server_dbo.addresses',
        'address_id',
        where=('address_id in (' ~ changed ~ ')') if is_incremental() else none,
        tie_breakers=[
            "address desc",
            "zipcode desc",
        ],
    ) }}

),

final as (

    select
        {{ surrogate_key(['address_id', 'valid_from_utc']) }} as address_version_id,
        address_id,
        {{ address_attributes() }},
        {{ version_columns() }}
    from versions

)

select * from final
