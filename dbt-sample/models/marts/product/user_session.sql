{#- One row per session. A session is a visit: its timing and length count the visit events
    only (seed event_types: page views, add-to-carts, the checkout). The package_shipped
    event shares the checkout's session but happens hours or days later; it is counted with
    the session's events and belongs to the order's shipment. -#}
{{
    config(
        materialized='incremental',
        watermark_inputs=['stg_events', 'stg_event_moves'],
        pre_hook="{{ delete_changed_keys('session_id', changed_sessions()) }}",
    )
}}

{%- set changed_sessions = changed_sessions() %}

with events as (

    select * from {{ ref('stg_events') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

current_events as (

    select
        events.*,
        coalesce(event_types.is_visit_event, false) as is_visit_event
    from events
    left join event_types
        on events.event_type = event_types.event_type
    where
        not events.is_deleted
        and events.session_id is not null
    {%- if is_incremental() %}
        and events.session_id in ({{ changed_sessions }})
    {%- endif %}

),

sessions as (

    select
        session_id,
        -- a session is one user's visit; min() only makes the choice deterministic
        min(user_id) as user_id,
        min(case when is_visit_event then created_at_utc end) as first_event_at_utc,
        max(case when is_visit_event then created_at_utc end) as last_event_at_utc,
        {{ event_type_counts() }}
        count(*) as total_events,
        count(distinct case when event_type = 'page_view' then product_id end) as products_viewed,
        max(case when event_type = 'checkout' then order_id end) as order_id,
        max(_fivetran_synced) as _fivetran_synced
    from current_events
    group by session_id

),

final as (

    select
        session_id,
        user_id,
        first_event_at_utc,
        last_event_at_utc,
        {{ shop_date('first_event_at_utc') }} as session_date,
        round({{ seconds_between('first_event_at_utc', 'last_event_at_utc') }} / 60.0, 2) as session_minutes,
        {%- for event_type in var('event_types') %}
            {{ event_type }}_events,
        {%- endfor %}
        total_events,
        products_viewed,
        order_id,
        checkout_events > 0 as has_checkout,
        _fivetran_synced
    from sessions

)

select * from final
