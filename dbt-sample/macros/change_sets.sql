{#-
    Change sets: the keys a gold incremental model recomputes, found from the silver rows
    synced at or after the model's watermark of each input (watermarks.sql). A model calls
    them twice, with the same result: in its pre-hook (delete_changed_keys) and in its body.

    A row that changed may have belonged to another key before (an event moved to another
    session or user, an order to another user), and that key must be recomputed too, or it
    keeps the row's old contribution. So a key that a row points to is taken from every
    version of the row that bronze holds (stg_event_versions, stg_order_versions): a
    superset of the keys the model has seen, which is harmless (recomputing an unchanged
    key gives the same row). A key that is part of a row's identity (the order_id of an
    order line) cannot move.
-#}

{#- `columns` of the rows of input `name` synced at or after this model's watermark of it. -#}
{% macro rows_since_watermark(name, columns) -%}
    select {{ columns }} from {{ ref(name) }} where _fivetran_synced >= {{ watermark(name) }}
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


{#- Sessions that the changed events belong to, or belonged to in any version (input stg_events). -#}
{% macro changed_sessions() -%}
    select session_id
    from {{ ref('stg_event_versions') }}
    where event_id in ({{ rows_since_watermark('stg_events', 'event_id') }})
{%- endmacro %}


{#- Users whose own row changed, or whom changed events, orders or order lines belong to or
    belonged to in any version; `inputs` picks among stg_users, stg_events, stg_orders and
    stg_order_items (a line belongs to the users of its order). -#}
{% macro changed_users(inputs) -%}
    {%- set selects = [] -%}
    {%- if 'stg_users' in inputs -%}
        {%- do selects.append(rows_since_watermark('stg_users', 'user_id')) -%}
    {%- endif -%}
    {%- if 'stg_events' in inputs -%}
        {%- do selects.append(
            "select user_id from " ~ ref('stg_event_versions')
            ~ " where event_id in (" ~ rows_since_watermark('stg_events', 'event_id') ~ ")"
        ) -%}
    {%- endif -%}
    {%- set order_parts = [] -%}
    {%- if 'stg_orders' in inputs -%}
        {%- do order_parts.append(rows_since_watermark('stg_orders', 'order_id')) -%}
    {%- endif -%}
    {%- if 'stg_order_items' in inputs -%}
        {%- do order_parts.append(rows_since_watermark('stg_order_items', 'order_id')) -%}
    {%- endif -%}
    {%- if order_parts -%}
        {%- do selects.append(
            "select user_id from " ~ ref('stg_order_versions')
            ~ " where order_id in (" ~ (order_parts | join(' union ')) ~ ")"
        ) -%}
    {%- endif -%}
    {{ selects | join('\n    union\n    ') }}
{%- endmacro %}
