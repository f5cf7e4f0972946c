{#- One row per session and product it viewed or put in the cart: how a visit looked at a
    product. product_sales counts its web visits from here (distinct sessions per product)
    without rescanning every event. -#}
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

product_events as (

    select *
    from events
    where
        not is_deleted
        and session_id is not null
        and product_id is not null
    {%- if is_incremental() %}
        and session_id in ({{ changed_sessions }})
    {%- endif %}

),

final as (

    select
        {{ surrogate_key(['session_id', 'product_id']) }} as session_product_id,
        session_id,
        product_id,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        max(_fivetran_synced) as _fivetran_synced
    from product_events
    group by session_id, product_id

)

select * from final
