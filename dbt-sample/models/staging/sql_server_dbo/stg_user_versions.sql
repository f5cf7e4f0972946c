{#- Every version of every user bronze holds, valid from its updated_at (a deletion: from the
    sync that delivered it) until the next version: the history from the very first load. -#}
{{
    config(
        materialized='incremental',
        unique_key='user_version_id',
        watermark_inputs=['sql_server_dbo.users'],
        pre_hook="{{ delete_changed_keys('user_id', rows_since_watermark('sql_server_dbo.users', 'user_id')) }}",
    )
}}

{%- set changed = rows_since_watermark('sql_server_dbo.users', 'user_id') %}

with versions as (

    {{ versions_with_validity(
        'sql_server_dbo.users',
        'user_id',
        changed_at='updated_at',
        where=('user_id in (' ~ changed ~ ')') if is_incremental() else none,
        tie_breakers=[
            "total_orders desc nulls last",
            "address_id desc nulls last",
        ],
    ) }}

),

final as (

    select
        {{ surrogate_key(['user_id', 'valid_from_utc']) }} as user_version_id,
        user_id,
        {{ user_attributes() }},
        {{ instant_to_utc('created_at') }} as created_at_utc,
        {{ instant_to_utc('updated_at') }} as updated_at_utc,
        {{ version_columns() }}
    from versions

)

select * from final
