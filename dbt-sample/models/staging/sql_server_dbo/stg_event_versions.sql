{#- Every version of every event bronze holds, reduced to the keys it points to. A view:
    incremental gold models look up the sessions and users a changed event belongs to or
    ever belonged to (macros/change_sets.sql), for the few events that changed. -#}
{{ config(materialized='view') }}

with versions as (

    select * from {{ source('sql_server_dbo', 'events') }}

),

final as (

    select
        event_id,
        {{ empty_to_null('session_id') }} as session_id,
        {{ empty_to_null('user_id') }} as user_id,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced
    from versions

)

select * from final
