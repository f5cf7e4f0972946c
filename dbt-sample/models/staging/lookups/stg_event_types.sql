{#- The event types the shop emits (var('event_types')), in funnel order. Built from the
    project's list rather than from the events, so that the relationship test from
    stg_events fails on an unknown type. -#}
with event_types as (

    {% for event_type in var('event_types') %}
    select
        '{{ event_type }}' as event_type,
        {{ loop.index }} as funnel_step
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        event_type,
        funnel_step,
        event_type in ('page_view', 'add_to_cart') as is_product_event,
        event_type in ('checkout', 'package_shipped') as is_order_event
    from event_types

)

select * from final
