{#-
    Checks a `*_utc` column (UTC wall-clock time, no time zone) against the column it was
    converted from, without using the conversion macro, so that a wrong conversion fails:

    - `local_column` a timestamp with time zone (an instant): both must be the same
      instant (equal microseconds since the epoch);
    - `wall_clock_timezone` given: `local_column` is wall-clock time of that zone (no
      offset), and `utc - local` must be exactly the zone's UTC offset at that instant.
      The offset is computed here from the United States rules (2007 onwards: daylight
      time from 02:00 on the second Sunday of March to 02:00 on the first Sunday of
      November), by plain calendar arithmetic. Wall-clock times of the skipped
      spring-forward hour do not exist; either offset is accepted for them.

    A row fails when exactly one side is NULL, too.
-#}
{% test utc_times(model, column_name, local_column, wall_clock_timezone=none) %}

{%- set standard_offset_hours = {
    'America/New_York': 5,
    'America/Chicago': 6,
    'America/Denver': 7,
    'America/Los_Angeles': 8,
} -%}
{%- set hour_us = 3600 * 1000000 -%}
{%- set day_us = 24 * hour_us -%}

with pairs as (

    select
        {{ column_name }} as utc_value,
        {{ local_column }} as local_value,
        {{ epoch_microseconds(column_name) }} as utc_us,
        {{ epoch_microseconds(local_column) }} as local_us
    from {{ model }}
    where {{ column_name }} is not null
        or {{ local_column }} is not null

),

{%- if wall_clock_timezone is none %}

failures as (

    select *
    from pairs
    where utc_us is null
        or local_us is null
        or utc_us <> local_us

)

{%- else %}
{%- if wall_clock_timezone not in standard_offset_hours %}
    {{ exceptions.raise_compiler_error(
        "utc_times: wall_clock_timezone must be one of " ~ (standard_offset_hours.keys() | list | join(', '))
        ~ ", got " ~ wall_clock_timezone
    ) }}
{%- endif %}
{%- set standard_hours = standard_offset_hours[wall_clock_timezone] %}

years as (

    -- the transitions of each year, computed once per distinct year rather than per row
    select distinct extract(year from utc_value) as utc_year
    from pairs
    where utc_us is not null
        and local_us is not null

),

march_and_november as (

    select
        utc_year,
        -- days since 1970-01-01 (a Thursday) of March 1st and November 1st
        cast(floor({{ epoch_microseconds("cast(cast(utc_year as varchar) || '-03-01' as " ~ type_timestamp_ntz() ~ ")") }} / {{ day_us }}) as bigint) as march_first_day,
        cast(floor({{ epoch_microseconds("cast(cast(utc_year as varchar) || '-11-01' as " ~ type_timestamp_ntz() ~ ")") }} / {{ day_us }}) as bigint) as november_first_day
    from years

),

transitions as (

    select
        utc_year,
        -- second Sunday of March, first Sunday of November (weekday 0 = Sunday)
        march_first_day + mod(7 - mod(march_first_day + 4, 7), 7) + 7 as dst_start_day,
        november_first_day + mod(7 - mod(november_first_day + 4, 7), 7) as dst_end_day
    from march_and_november

),

offsets as (

    select
        pairs.*,
        pairs.utc_us - pairs.local_us as actual_offset_us,
        case
            -- 02:00 standard time = (2 + offset) UTC; 02:00 daylight time = (1 + offset) UTC
            when pairs.utc_us >= transitions.dst_start_day * {{ day_us }} + {{ (2 + standard_hours) * hour_us }}
                and pairs.utc_us < transitions.dst_end_day * {{ day_us }} + {{ (1 + standard_hours) * hour_us }}
                then {{ (standard_hours - 1) * hour_us }}
            else {{ standard_hours * hour_us }}
        end as expected_offset_us,
        pairs.local_us >= transitions.dst_start_day * {{ day_us }} + {{ 2 * hour_us }}
            and pairs.local_us < transitions.dst_start_day * {{ day_us }} + {{ 3 * hour_us }} as is_nonexistent_local_time
    from pairs
    inner join transitions
        on transitions.utc_year = extract(year from pairs.utc_value)
    where pairs.utc_us is not null
        and pairs.local_us is not null

),

failures as (

    select utc_value, local_value, utc_us, local_us
    from pairs
    where utc_us is null
        or local_us is null

    union all

    select utc_value, local_value, utc_us, local_us
    from offsets
    where actual_offset_us <> expected_offset_us
        and not (
            is_nonexistent_local_time
            and actual_offset_us in ({{ (standard_hours - 1) * hour_us }}, {{ standard_hours * hour_us }})
        )

)

{%- endif %}

select * from failures

{% endtest %}
