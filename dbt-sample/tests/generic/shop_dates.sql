{#-
    Checks a shop-local date or month column (macros shop_date, shop_month) against the UTC
    instant it comes from, without using those macros: the shop's zone (var shop_timezone, a
    US zone) is applied by plain calendar arithmetic (us_time.sql). `grain`: 'day' (the
    column is the local date of `utc_column`) or 'month' (the first day of its local month).
    A row fails when exactly one side is NULL, too.
-#}
{% test shop_dates(model, column_name, utc_column, grain='day') %}

{%- if grain not in ['day', 'month'] -%}
    {{ exceptions.raise_compiler_error("shop_dates: grain must be 'day' or 'month', got " ~ grain) }}
{%- endif -%}
{%- set day_us = 24 * 3600 * 1000000 -%}

with pairs as (

    select
        {{ column_name }} as shop_value,
        {{ utc_column }} as utc_value,
        {{ epoch_microseconds(utc_column) }} as utc_us,
        cast(floor({{ epoch_microseconds('cast(' ~ column_name ~ ' as ' ~ type_timestamp_ntz() ~ ')') }} / {{ day_us }}) as bigint) as shop_day,
        cast(floor({{ epoch_microseconds('cast(' ~ dbt.dateadd('month', 1, column_name) ~ ' as ' ~ type_timestamp_ntz() ~ ')') }} / {{ day_us }}) as bigint)
            as next_month_day,
        extract(day from {{ column_name }}) as day_of_month
    from {{ model }}
    where {{ column_name }} is not null
        or {{ utc_column }} is not null

),

transitions as (

    {{ us_dst_transitions('pairs', 'utc_value', 'utc_us is not null') }}

),

expected as (

    select
        pairs.*,
        cast(floor((pairs.utc_us - {{ us_utc_offset_us('pairs.utc_us', 'transitions.dst_start_day', 'transitions.dst_end_day', var('shop_timezone')) }}) / {{ day_us }}) as bigint) as local_day
    from pairs
    inner join transitions
        on extract(year from pairs.utc_value) = transitions.utc_year

),

failures as (

    select shop_value, utc_value
    from pairs
    where shop_value is null
        or utc_value is null

    union all

    select shop_value, utc_value
    from expected
    where
    {%- if grain == 'day' %}
        local_day <> shop_day
    {%- else %}
        day_of_month <> 1
        or local_day < shop_day
        or local_day >= next_month_day
    {%- endif %}

)

select * from failures

{% endtest %}
