{#- The events that moved to another session or user in some version, with every session and
    user they ever had (one row per event and pair). Incremental gold models look here for the
    sessions and users a changed event used to belong to (macros/change_sets.sql): a few rows,
    while every version of every event (bronze) is the largest table of the warehouse.
    Incremental: recomputes the events that have new versions, from all their versions. -#}
{{
    config(
        materialized='incremental',
        unique_key='event_move_id',
        watermark_inputs=['sql_server_dbo.events'],
        pre_hook="{{ delete_changed_keys('event_id', rows_since_watermark('sql_server_dbo.events', 'event_id')) }}",
    )
}}

{%- set changed_events = rows_since_watermark('sql_server_dbo.events', 'event_id') %}

with versions as (

    select
        event_id,
        {{ empty_to_null('session_id') }} as session_id,
        {{ empty_to_null('user_id') }} as user_id,
        _fivetran_synced
    from {{ source('sql_server_dbo', 'events') }}
    {%- if is_incremental() %}
    where event_id in ({{ changed_events }})
    {%- endif %}

),

moved_events as (

    select
        event_id,
        max(_fivetran_synced) as _fivetran_synced
    from versions
    group by event_id
    having count(distinct coalesce(session_id, '') || '/' || coalesce(user_id, '')) > 1

),

final as (

    select distinct
        {{ surrogate_key(['versions.event_id', 'versions.session_id', 'versions.user_id']) }} as event_move_id,
        versions.event_id,
        versions.session_id,
        versions.user_id,
        moved_events._fivetran_synced
    from versions
    inner join moved_events
        on versions.event_id = moved_events.event_id

)

select * from final
