{#-
    The cleaned attributes of a bronze row, one definition for the silver model of its latest
    version (stg_users) and the one of every version (stg_user_versions): blanks -> NULL,
    types cast. A select list without a trailing comma.
-#}

{% macro user_attributes() -%}
    {{ empty_to_null('first_name') }} as first_name,
    {{ empty_to_null('last_name') }} as last_name,
    lower({{ empty_to_null('email') }}) as email,
    {{ empty_to_null('phone_number') }} as phone_number,
    {{ empty_to_null('address_id') }} as address_id,
    cast(total_orders as integer) as total_orders
{%- endmacro %}


{% macro address_attributes() -%}
    {{ empty_to_null('address') }} as address,
    cast(zipcode as integer) as zipcode,
    -- the source stores zipcodes as numbers, losing leading zeros
    lpad(cast(zipcode as varchar), 5, '0') as zipcode_text,
    {{ empty_to_null('state') }} as state,
    {{ empty_to_null('country') }} as country
{%- endmacro %}


{% macro product_attributes() -%}
    {{ empty_to_null('name') }} as product_name,
    cast(price as numeric(18, 2)) as price_usd,
    cast(inventory as integer) as inventory
{%- endmacro %}
