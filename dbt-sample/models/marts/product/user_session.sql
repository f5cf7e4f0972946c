{{
    config(
        materialized='incremental',
        unique_key='session_id',
        pre_hook="{{ delete_changed_keys('session_id', changed_sessions(incremental_watermark())) }}",
    )
}}

{%- set watermark = incremental_watermark() %}

with events as (

    select * from {{ ref('stg_events') }}

),

current_events as (

    select *
    from events
    where not is_deleted
        and session_id is not null
    {%- if is_incremental() %}
        and session_id in ({{ changed_sessions(watermark) }})
    {%- endif %}

),

final as (

    select
        session_id,
        -- a session is one user's visit; min() only makes the choice deterministic
        min(user_id) as user_id,
        min(created_at_utc) as first_event_at_utc,
        max(created_at_utc) as last_event_at_utc,
        round({{ seconds_between('min(created_at_utc)', 'max(created_at_utc)') }} / 60.0, 2) as session_minutes,
        {{ event_type_counts() }}
        count(*) as total_events,
        count(distinct case when event_type = 'page_view' then product_id end) as products_viewed,
        max(case when event_type = 'checkout' then order_id end) as order_id,
        sum(case when event_type = 'checkout' then 1 else 0 end) > 0 as has_checkout,
        max(_fivetran_synced) as _fivetran_synced
    from current_events
    group by session_id

)

select * from final
