-- Every session of bronze's current events is in user_session with its user, its visit (the
-- first and last visit event, seed event_types, in UTC, and the minutes between them) and its
-- counts of events; no other session is. Recomputed from bronze. After an incremental build,
-- the sessions its changed events belong to or belonged to.
{%- set since = reconciliation_since(['user_session']) %}
{%- set checked -%}
    session_id in (
        select session_id from {{ source('sql_server_dbo', 'events') }}
        where event_id in (select event_id from {{ source('sql_server_dbo', 'events') }} where _fivetran_synced >= {{ since }})
    )
{%- endset %}
{%- set checked = checked if since is not none else none %}

with bronze_events as (

    {#- the latest version of every event that was in a checked session in some version -#}
    {{ bronze_latest('sql_server_dbo', 'events', 'event_id', where=(
        'event_id in (select event_id from ' ~ source('sql_server_dbo', 'events') ~ ' where ' ~ checked ~ ')'
    ) if checked else none) }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

current_events as (

    select
        nullif(trim(bronze_events.session_id), '') as session_id,
        nullif(trim(bronze_events.user_id), '') as user_id,
        lower(trim(bronze_events.event_type)) as event_type,
        bronze_events.created_at
    from bronze_events
    where
        not coalesce(bronze_events._fivetran_deleted, false)
        and nullif(trim(bronze_events.session_id), '') is not null

),

sessions as (

    -- first and last on the wall clock, converted once per session (the conversion keeps the
    -- order of real clock readings)
    select
        current_events.session_id,
        min(current_events.user_id) as user_id,
        min(case when event_types.is_visit_event then current_events.created_at end) as first_event_at,
        max(case when event_types.is_visit_event then current_events.created_at end) as last_event_at,
        count(*) as total_events,
        sum(case when current_events.event_type = 'checkout' then 1 else 0 end) as checkout_events,
        sum(case when current_events.event_type = 'package_shipped' then 1 else 0 end) as package_shipped_events
    from current_events
    left join event_types
        on current_events.event_type = event_types.event_type
    group by current_events.session_id

),

expected as (

    select
        sessions.*,
        {{ local_to_utc('sessions.first_event_at') }} as first_event_at_utc,
        {{ local_to_utc('sessions.last_event_at') }} as last_event_at_utc
    from sessions

),

checked_expected as (

    select *
    from expected
    {%- if checked %}
    where {{ checked }}
    {%- endif %}

),

actual as (

    select *
    from {{ ref('user_session') }}
    {%- if checked %}
    where {{ checked }}
    {%- endif %}

)

select
    coalesce(checked_expected.session_id, actual.session_id) as session_id,
    checked_expected.first_event_at_utc as bronze_first_event_at_utc,
    actual.first_event_at_utc,
    checked_expected.last_event_at_utc as bronze_last_event_at_utc,
    actual.last_event_at_utc,
    actual.session_minutes,
    checked_expected.total_events as bronze_total_events,
    actual.total_events
from checked_expected
full outer join actual
    on checked_expected.session_id = actual.session_id
where
    checked_expected.session_id is null
    or actual.session_id is null
    or checked_expected.user_id is distinct from actual.user_id
    or checked_expected.first_event_at_utc is distinct from actual.first_event_at_utc
    or checked_expected.last_event_at_utc is distinct from actual.last_event_at_utc
    or abs(
        coalesce(actual.session_minutes, 0)
        - coalesce(
            {{ seconds_between('checked_expected.first_event_at_utc', 'checked_expected.last_event_at_utc') }} / 60.0, 0
        )
    ) > 0.005
    or checked_expected.total_events <> actual.total_events
    or checked_expected.checkout_events <> actual.checkout_events
    or checked_expected.package_shipped_events <> actual.package_shipped_events
