{#-
    Fails on every row where a column is below zero (NULL passes: pair with not_null).
    Column-level (`column_name`) or model-level with `columns: [a, b, ...]`: one query
    checks them all, which keeps the number of test nodes (each with its own overhead)
    down on the large incremental models.
-#}
{% test no_negatives(model, column_name=none, columns=none) %}

{%- set checked = ([column_name] if column_name else []) + (columns or []) -%}
{%- if not checked -%}
    {{ exceptions.raise_compiler_error("no_negatives needs a column (column_name) or a list of columns (columns)") }}
{%- endif %}

select *
from {{ model }}
where
{%- for column in checked %}
    {{ column }} < 0{% if not loop.last %} or{% endif %}
{%- endfor %}

{% endtest %}
