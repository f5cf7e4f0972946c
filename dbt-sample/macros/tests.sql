{#-
    What a generic test reads (dbt's get_where_subquery, overridden here): the model, with the
    test's own `where` config as usual and, after an incremental build, only the rows that
    build wrote: rows synced at or after where it started reading (see watermarks.sql).
    Unchanged rows were tested when they were written, so an incremental build tests its new
    data instead of rescanning tables that grow with every batch. What that leaves out: a
    `unique` test then compares the new rows with each other only (the unique_key of the
    materialization replaces old rows), and a gold row recomputed without a newer input row
    (a user who lost an order to another user) is not retested. A build from scratch (first
    build, --full-refresh) tests every row, and so does `--vars '{test_all_rows: true}'`.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set since = rows_changed_since(relation) if execute else none -%}
    {%- if since is not none -%}
        {%- do conditions.append('_fivetran_synced >= ' ~ since) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) as dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
