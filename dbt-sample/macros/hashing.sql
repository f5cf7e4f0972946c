{#- Deterministic text hash (hex md5). md5 happens to exist in both dialects; dispatched
    so that a warehouse without it can provide its own. -#}
{% macro hash_text(expression) -%}
    {{ return(adapter.dispatch('hash_text')(expression)) }}
{%- endmacro %}

{% macro default__hash_text(expression) -%}
    md5(cast({{ expression }} as {{ dbt.type_string() }}))
{%- endmacro %}

{% macro duckdb__hash_text(expression) -%}
    md5(cast({{ expression }} as varchar))
{%- endmacro %}

{% macro snowflake__hash_text(expression) -%}
    md5(cast({{ expression }} as varchar))
{%- endmacro %}


{#- Surrogate key of several columns; NULL and '' hash differently (the dbt_utils recipe). -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_dbt_utils_surrogate_key_null_')") -%}
    {%- endfor -%}
    {{ hash_text(parts | join(" || '-' || ")) }}
{%- endmacro %}


{#- Key of a promo from its name; an order without promo (NULL or blank name) gets the key of
    the "No Promo" row of stg_promos, never the key of ''. -#}
{% macro promo_key(promo_name_column) -%}
    {{ surrogate_key(["coalesce(" ~ empty_to_null(promo_name_column) ~ ", '" ~ var('no_promo_name') ~ "')"]) }}
{%- endmacro %}
