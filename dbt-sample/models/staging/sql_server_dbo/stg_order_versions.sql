{#- Every version of every order bronze holds, reduced to the user it points to. A view:
    incremental gold models look up the users a changed order belongs to or ever belonged
    to (macros/change_sets.sql), for the few orders that changed. -#}
{{ config(materialized='view') }}

with versions as (

    select * from {{ source('sql_server_dbo', 'orders') }}

),

final as (

    select
        order_id,
        {{ empty_to_null('user_id') }} as user_id,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from versions

)

select * from final
