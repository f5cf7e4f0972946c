{#- Raw text columns use '' for "missing": trim and turn blanks into NULL. -#}
{% macro empty_to_null(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}


{#- a / b as a double, NULL when b is 0. -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}


{#- One `<event_type>_events` count column per event type of var('event_types'):
    0, never NULL, for a type that does not occur. -#}
{% macro event_type_counts(event_type_column='event_type') -%}
    {%- for event_type in var('event_types') %}
    sum(case when {{ event_type_column }} = '{{ event_type }}' then 1 else 0 end) as {{ event_type }}_events,
    {%- endfor %}
{%- endmacro %}


{#- The largest non-NULL of several expressions (NULL only when all are NULL).
    DuckDB's greatest() skips NULLs; Snowflake's returns NULL as soon as one is NULL. -#}
{% macro greatest_ignore_nulls(expressions) -%}
    {{ return(adapter.dispatch('greatest_ignore_nulls')(expressions)) }}
{%- endmacro %}

{% macro default__greatest_ignore_nulls(expressions) -%}
    {%- set coalesced = [] -%}
    {%- for expression in expressions -%}
        {%- do coalesced.append("coalesce(" ~ expression ~ ", " ~ (expressions | join(", ")) ~ ")") -%}
    {%- endfor -%}
    greatest({{ coalesced | join(", ") }})
{%- endmacro %}

{% macro duckdb__greatest_ignore_nulls(expressions) -%}
    greatest({{ expressions | join(", ") }})
{%- endmacro %}

{% macro snowflake__greatest_ignore_nulls(expressions) -%}
    greatest_ignore_nulls({{ expressions | join(", ") }})
{%- endmacro %}
