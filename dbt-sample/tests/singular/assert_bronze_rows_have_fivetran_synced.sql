-- Every bronze row must carry `_fivetran_synced`: incremental models only read rows at or
-- after their watermark, so a row without it would be skipped by every incremental run.
-- One query for all eight tables (one test node instead of eight).
{%- set tables = [
    ('sql_server_dbo', 'addresses'),
    ('sql_server_dbo', 'users'),
    ('sql_server_dbo', 'events'),
    ('sql_server_dbo', 'orders'),
    ('sql_server_dbo', 'order_items'),
    ('sql_server_dbo', 'products'),
    ('sql_server_dbo', 'promos'),
    ('google_sheets', 'budget'),
] %}

with missing as (

    {%- for source_name, table_name in tables %}
        select
            '{{ table_name }}' as bronze_table,
            count(*) as rows_without_fivetran_synced
        from {{ source(source_name, table_name) }}
        where _fivetran_synced is null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select *
from missing
where rows_without_fivetran_synced > 0
