{#-
    Keys touched by silver rows synced at or after `watermark` (see incremental.sql). Every
    gold incremental model recomputes exactly these keys. A model that uses a change set
    must also ref() every model the change set reads, outside any condition.
-#}

{#- Orders whose header or lines changed. -#}
{% macro changed_orders(watermark, include_items=true) -%}
    select order_id from {{ ref('stg_orders') }} where _fivetran_synced >= {{ watermark }}
    {%- if include_items %}
    union
    select order_id from {{ ref('stg_order_items') }} where _fivetran_synced >= {{ watermark }}
    {%- endif %}
{%- endmacro %}


{#- Sessions that received events. -#}
{% macro changed_sessions(watermark) -%}
    select session_id from {{ ref('stg_events') }} where _fivetran_synced >= {{ watermark }}
{%- endmacro %}


{#- Users whose own row, events, orders or order lines changed (`sources` picks which). -#}
{% macro changed_users(watermark, sources=['users', 'events', 'orders', 'order_items']) -%}
    {%- set selects = [] -%}
    {%- if 'users' in sources -%}
        {%- do selects.append("select user_id from " ~ ref('stg_users') ~ " where _fivetran_synced >= " ~ watermark) -%}
    {%- endif -%}
    {%- if 'events' in sources -%}
        {%- do selects.append("select user_id from " ~ ref('stg_events') ~ " where _fivetran_synced >= " ~ watermark) -%}
    {%- endif -%}
    {%- if 'orders' in sources -%}
        {%- do selects.append("select user_id from " ~ ref('stg_orders') ~ " where _fivetran_synced >= " ~ watermark) -%}
    {%- endif -%}
    {%- if 'order_items' in sources -%}
        {%- do selects.append(
            "select user_id from " ~ ref('stg_orders') ~ " where order_id in (select order_id from "
            ~ ref('stg_order_items') ~ " where _fivetran_synced >= " ~ watermark ~ ")"
        ) -%}
    {%- endif -%}
    {{ selects | join("\n    union\n    ") }}
{%- endmacro %}


{#- Orders of fct_orders_products to recompute: the changed orders, plus the orders whose
    lines carry a unit price that is no longer their product's price. Reads `this`, so only
    the model's body may use it, never its pre-hook: the pre-hook would delete the stale
    lines it is about to find, and they would never be recomputed. -#}
{% macro changed_order_lines(watermark) -%}
    {{ changed_orders(watermark) }}
    union
    select lines.order_id
    from {{ this }} as lines
    inner join {{ ref('stg_products') }} as products
        on products.product_id = lines.product_id
    where lines.unit_price_usd is distinct from products.price_usd
{%- endmacro %}
