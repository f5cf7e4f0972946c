{#-
    Helpers of the singular tests that reconcile gold with bronze (tests/singular/): they
    recompute from bronze itself, not from silver, so that a wrong model cannot agree with
    itself.
-#}

{#- The latest version of every key of a bronze table (deletions included; a deletion wins a
    tie), optionally only for the keys `where` selects: the bronze rows as of now. -#}
{% macro bronze_latest(source_name, table_name, key, where=none) -%}
    {#- the budget sheet has no _fivetran_deleted -#}
    {%- set deletions = table_name != 'budget' -%}
    select *
    from {{ source(source_name, table_name) }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    qualify row_number() over (
        partition by {{ key }}
        order by _fivetran_synced desc{% if deletions %}, coalesce(_fivetran_deleted, false) desc{% endif %}
    ) = 1
{%- endmacro %}


{#- SQL expression of the time from which a reconciliation test checks bronze's changes: where the last builds
    of `models` started reading (the earliest of them), or none to check everything (a build
    from scratch, a model that is not incremental, var test_all_rows). -#}
{% macro reconciliation_since(models) -%}
    {#- ref() every model first, outside any condition: the test depends on them -#}
    {%- set relations = [] -%}
    {%- for name in models -%}
        {%- do relations.append(ref(name)) -%}
    {%- endfor -%}
    {%- set since = [] -%}
    {%- for relation in relations -%}
        {%- set changed = rows_changed_since(relation) if execute else none -%}
        {%- if changed is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- do since.append(changed) -%}
    {%- endfor -%}
    {{ return(since[0] if since | length == 1 else 'least(' ~ (since | join(', ')) ~ ')') }}
{%- endmacro %}


{#- The order lines of `orders` and `order_items` (CTEs of bronze_latest rows) that are current
    (neither they nor their order deleted), priced as sold, recomputed from bronze's product
    versions: the latest non-deleted version synced at or before the order was placed; for an
    order placed before the product's first sync, its first version. -#}
{% macro bronze_priced_lines(orders, order_items) -%}
    with lines as (

        select
            {{ order_items }}.order_id,
            {{ order_items }}.product_id,
            {{ order_items }}.quantity,
            {{ orders }}.created_at,
            {{ orders }}.order_cost
        from {{ order_items }}
        inner join {{ orders }}
            on {{ order_items }}.order_id = {{ orders }}.order_id
        where not coalesce({{ order_items }}._fivetran_deleted, false)
            and not coalesce({{ orders }}._fivetran_deleted, false)

    ),

    periods as (

        select
            product_id,
            price,
            case
                when row_number() over (partition by product_id order by _fivetran_synced) > 1 then _fivetran_synced
            end as starts_at,
            lead(_fivetran_synced) over (partition by product_id order by _fivetran_synced) as ends_at
        from (
            -- a version that keeps the price (an inventory change) starts no new period; a
            -- deletion keeps the row's last values, so a deleted version prices like any other
            select *
            from (
                select
                    product_id,
                    price,
                    _fivetran_synced,
                    lag(price) over (partition by product_id order by _fivetran_synced) as previous_price
                from {{ source('sql_server_dbo', 'products') }}
            ) as versions
            where previous_price is null
                or price <> previous_price
        ) as price_changes

    )

    select
        lines.*,
        periods.price as unit_price
    from lines
    left join periods
        on
            lines.product_id = periods.product_id
            and (periods.starts_at is null or lines.created_at >= periods.starts_at)
            and (periods.ends_at is null or lines.created_at < periods.ends_at)
{%- endmacro %}


{#- The orders whose header or lines bronze received since `since` (a timestamp SQL expression). -#}
{% macro bronze_orders_changed_since(since) -%}
    select order_id from {{ source('sql_server_dbo', 'orders') }} where _fivetran_synced >= {{ since }}
    union
    select order_id from {{ source('sql_server_dbo', 'order_items') }} where _fivetran_synced >= {{ since }}
{%- endmacro %}
