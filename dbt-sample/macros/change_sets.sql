{#-
    Change sets: the keys a gold incremental model recomputes, found from the silver rows
    changed since the model last read each input (watermarks.sql). A model uses
    one twice, with the same result: in its pre-hook (delete_changed_keys) and in its body.

    A row that changed may have belonged to another key before (an event moved to another
    session or user, an order to another user), and that key must be recomputed too, or it
    keeps the row's old contribution. stg_event_moves and stg_order_moves hold every key
    such a row ever had; they are watermark inputs too, so that a move the model has not
    seen yet (the moves model was behind when the row changed) is recomputed when it shows
    up. Keys that are part of a row's identity (the order_id of an order line) cannot move.
-#}

{#- `columns` of the rows of input `name` that changed since this model last read it. -#}
{% macro rows_since_watermark(name, columns) -%}
    select {{ columns }} from {{ watermark_input(name) }} where {{ synced_since_watermark(name) }}
{%- endmacro %}


{#- Orders whose header or lines changed (inputs stg_orders, stg_order_items). -#}
{% macro changed_orders() -%}
    {{ rows_since_watermark('stg_orders', 'order_id') }}
    union
    {{ rows_since_watermark('stg_order_items', 'order_id') }}
{%- endmacro %}


{#- changed_orders, plus the orders whose lines a changed price period applies to (input
    int_product_prices): the orders of that product placed in or after the period's start. -#}
{% macro changed_order_lines() -%}
    {{ changed_orders() }}
    union
    select order_items.order_id
    from {{ ref('stg_order_items') }} as order_items
    inner join ({{ rows_since_watermark('int_product_prices', 'product_id, price_from_utc') }}) as prices
        on order_items.product_id = prices.product_id
    inner join {{ ref('stg_orders') }} as orders
        on order_items.order_id = orders.order_id
    where prices.price_from_utc is null
        or orders.created_at_utc >= prices.price_from_utc
{%- endmacro %}


{#- The `key` (session_id or user_id) of the changed events, now and in any earlier version
    (inputs stg_events, stg_event_moves). -#}
{% macro changed_event_keys(key) -%}
    {{ rows_since_watermark('stg_events', key) }}
    union
    select {{ key }}
    from {{ ref('stg_event_moves') }}
    where event_id in ({{ rows_since_watermark('stg_events', 'event_id') }})
        or {{ synced_since_watermark('stg_event_moves') }}
{%- endmacro %}


{#- Sessions that changed events belong to or belonged to (inputs stg_events, stg_event_moves). -#}
{% macro changed_sessions() -%}
    {{ changed_event_keys('session_id') }}
{%- endmacro %}


{#- Users whose own row changed, or whom changed events, orders or order lines belong to or
    belonged to; `inputs` picks among stg_users, stg_events (with stg_event_moves) and
    stg_orders / stg_order_items (with stg_order_moves; a line belongs to its order's users). -#}
{% macro changed_users(inputs) -%}
    {%- set selects = [] -%}
    {%- if 'stg_users' in inputs -%}
        {%- do selects.append(rows_since_watermark('stg_users', 'user_id')) -%}
    {%- endif -%}
    {%- if 'stg_events' in inputs -%}
        {%- do selects.append(changed_event_keys('user_id')) -%}
    {%- endif -%}
    {%- set order_parts = [] -%}
    {%- if 'stg_orders' in inputs -%}
        {%- do order_parts.append(rows_since_watermark('stg_orders', 'order_id')) -%}
    {%- endif -%}
    {%- if 'stg_order_items' in inputs -%}
        {%- do order_parts.append(rows_since_watermark('stg_order_items', 'order_id')) -%}
    {%- endif -%}
    {%- if order_parts -%}
        {%- set orders = order_parts | join(' union ') -%}
        {%- do selects.append("select user_id from " ~ ref('stg_orders') ~ " where order_id in (" ~ orders ~ ")") -%}
        {%- do selects.append(
            "select user_id from " ~ ref('stg_order_moves') ~ " where order_id in (" ~ orders ~ ")"
            ~ " or " ~ synced_since_watermark('stg_order_moves')
        ) -%}
    {%- endif -%}
    {{ selects | join('\n    union\n    ') }}
{%- endmacro %}


{#- Users with new versions, or whose address (in any of their versions) has new versions
    (inputs stg_user_versions, stg_address_versions). -#}
{% macro changed_user_histories() -%}
    {{ rows_since_watermark('stg_user_versions', 'user_id') }}
    union
    select user_id
    from {{ ref('stg_user_versions') }}
    where address_id in ({{ rows_since_watermark('stg_address_versions', 'address_id') }})
{%- endmacro %}
