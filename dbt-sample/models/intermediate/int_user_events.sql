{{
    config(
        materialized='incremental',
        unique_key='user_id',
        pre_hook="{{ delete_changed_keys('user_id', changed_users(incremental_watermark(), ['events'])) }}",
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
        and user_id is not null
    {%- if is_incremental() %}
        and user_id in ({{ changed_users(watermark, ['events']) }})
    {%- endif %}

),

final as (

    select
        user_id,
        count(distinct session_id) as sessions,
        {{ event_type_counts() }}
        count(*) as total_events,
        min(created_at_utc) as first_event_at_utc,
        max(created_at_utc) as last_event_at_utc,
        max(_fivetran_synced) as _fivetran_synced
    from current_events
    group by user_id

)

select * from final
