{#-
    United States time zones by plain calendar arithmetic, for tests: independent of the
    warehouse's time zone data and of the conversion macros (timezones.sql) they check.
    The rules since 2007: daylight time from 02:00 local on the second Sunday of March to
    02:00 local on the first Sunday of November, one hour ahead of standard time.
-#}

{#- Hours a US zone's standard time is behind UTC. -#}
{% macro us_standard_offset_hours(zone) -%}
    {%- set hours = {
        'America/New_York': 5,
        'America/Chicago': 6,
        'America/Denver': 7,
        'America/Los_Angeles': 8,
    } -%}
    {%- if zone not in hours -%}
        {{ exceptions.raise_compiler_error("US time zone expected (" ~ (hours.keys() | list | join(', ')) ~ "), got " ~ zone) }}
    {%- endif -%}
    {{ return(hours[zone]) }}
{%- endmacro %}


{#- Days since 1970-01-01 (a Thursday) of the first Sunday on or after day 1 of `month` (two
    digits) of `year` (an integer SQL expression), plus `weeks` weeks. -#}
{% macro us_sunday_day(year, month, weeks=0) -%}
    {%- set day_us = 24 * 3600 * 1000000 -%}
    {%- set first_day -%}
        cast(floor({{ epoch_microseconds("cast(cast(" ~ year ~ " as " ~ dbt.type_string() ~ ") || '-" ~ month ~ "-01' as " ~ type_timestamp_ntz() ~ ")") }} / {{ day_us }}) as bigint)
    {%- endset -%}
    ({{ first_day }} + mod(7 - mod({{ first_day }} + 4, 7), 7) + {{ 7 * weeks }})
{%- endmacro %}


{#- The day numbers (since the epoch) on which daylight time starts and ends in `year`: the
    second Sunday of March and the first Sunday of November. -#}
{% macro us_dst_start_day(year) -%}
    {{ us_sunday_day(year, '03', weeks=1) }}
{%- endmacro %}

{% macro us_dst_end_day(year) -%}
    {{ us_sunday_day(year, '11') }}
{%- endmacro %}


{#- Microseconds a US zone is behind UTC at an instant (`utc_us`, microseconds since the
    epoch), given the daylight time days of its year (us_dst_start_day, us_dst_end_day). -#}
{% macro us_utc_offset_us(utc_us, dst_start_day, dst_end_day, zone) -%}
    {%- set hour_us = 3600 * 1000000 -%}
    {%- set day_us = 24 * hour_us -%}
    {%- set standard = us_standard_offset_hours(zone) -%}
    case
        -- 02:00 standard time = (2 + standard) UTC; 02:00 daylight time = (1 + standard) UTC
        when {{ utc_us }} >= {{ dst_start_day }} * {{ day_us }} + {{ (2 + standard) * hour_us }}
            and {{ utc_us }} < {{ dst_end_day }} * {{ day_us }} + {{ (1 + standard) * hour_us }}
            then {{ (standard - 1) * hour_us }}
        else {{ standard * hour_us }}
    end
{%- endmacro %}


{#- The daylight time days of every UTC year of `utc_column` in `relation` (a CTE), computed once
    per distinct year rather than per row: utc_year, dst_start_day, dst_end_day. -#}
{% macro us_dst_transitions(relation, utc_column, where='1 = 1') -%}
    select
        utc_year,
        {{ us_dst_start_day('utc_year') }} as dst_start_day,
        {{ us_dst_end_day('utc_year') }} as dst_end_day
    from (
        select distinct extract(year from {{ utc_column }}) as utc_year
        from {{ relation }}
        where {{ where }}
    ) as years
{%- endmacro %}
