{#-
    Checks a `*_utc` column (UTC wall-clock time, no time zone) against the column it was
    converted from, without using the conversion macro, so that a wrong conversion fails:

    - `local_column` a timestamp with time zone (an instant): both must be the same
      instant (equal microseconds since the epoch);
    - `wall_clock_timezone` given: `local_column` is wall-clock time of that zone (no
      offset), and `utc - local` must be exactly the zone's UTC offset at that instant, by
      the United States rules computed by plain calendar arithmetic (us_time.sql).
      Wall-clock times of the skipped spring-forward hour do not exist; either offset is
      accepted for them.

    A row fails when exactly one side is NULL, too.
-#}
{% test utc_times(model, column_name, local_column, wall_clock_timezone=none) %}

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
{%- set standard_hours = us_standard_offset_hours(wall_clock_timezone) %}

transitions as (

    {{ us_dst_transitions('pairs', 'utc_value', 'utc_us is not null and local_us is not null') }}

),

offsets as (

    select
        pairs.*,
        pairs.utc_us - pairs.local_us as actual_offset_us,
        {{ us_utc_offset_us('pairs.utc_us', 'transitions.dst_start_day', 'transitions.dst_end_day', wall_clock_timezone) }}
            as expected_offset_us,
        pairs.local_us >= transitions.dst_start_day * {{ day_us }} + {{ 2 * hour_us }}
        and pairs.local_us < transitions.dst_start_day * {{ day_us }} + {{ 3 * hour_us }} as is_nonexistent_local_time
    from pairs
    inner join transitions
        on extract(year from pairs.utc_value) = transitions.utc_year
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
