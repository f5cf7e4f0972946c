{#-
    Time zone conversions. Every `*_utc` column is a timestamp without time zone that holds
    UTC wall-clock time. Warehouse dialects differ, so each conversion is dispatched.
-#}

{#-
    Wall-clock time of `source_tz` (a timestamp without offset) -> UTC.

    Rule for the two yearly transitions, identical on every warehouse:
    - an ambiguous wall-clock time (the repeated hour when clocks fall back, e.g.
      2021-11-07 01:30 in Los Angeles) is read as standard time, the later of the two
      instants (01:30 PST = 09:30 UTC);
    - a wall-clock time that does not exist (the skipped hour when clocks spring forward,
      e.g. 2021-03-14 02:30) cannot come from a real clock; DuckDB reads it as standard
      time (10:30 UTC), Snowflake as its convert_timezone decides.
-#}
{% macro local_to_utc(column, source_tz=none) -%}
    {{ return(adapter.dispatch('local_to_utc')(column, source_tz or var('source_timezone'))) }}
{%- endmacro %}

{% macro default__local_to_utc(column, source_tz) -%}
    cast(cast({{ column }} as timestamp) at time zone '{{ source_tz }}' at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__local_to_utc(column, source_tz) -%}
    {#- timezone(tz, timestamp) reads the wall clock in tz; timezone('UTC', timestamptz) renders it in UTC. -#}
    timezone('UTC', timezone('{{ source_tz }}', cast({{ column }} as timestamp)))
{%- endmacro %}

{% macro snowflake__local_to_utc(column, source_tz) -%}
    {#- Snowflake does not document which instant it picks for an ambiguous wall-clock time:
        if the instant one hour later shows the same wall clock, take it (standard time). -#}
    {%- set first_guess = "convert_timezone('" ~ source_tz ~ "', 'UTC', cast(" ~ column ~ " as timestamp_ntz))" -%}
    case
        when convert_timezone('UTC', '{{ source_tz }}', dateadd(hour, 1, {{ first_guess }})) = cast({{ column }} as timestamp_ntz)
            then dateadd(hour, 1, {{ first_guess }})
        else {{ first_guess }}
    end
{%- endmacro %}


{#- A timestamp with time zone (an instant) -> UTC wall-clock time. -#}
{% macro instant_to_utc(column) -%}
    {{ return(adapter.dispatch('instant_to_utc')(column)) }}
{%- endmacro %}

{% macro default__instant_to_utc(column) -%}
    cast({{ column }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__instant_to_utc(column) -%}
    timezone('UTC', {{ column }})
{%- endmacro %}

{% macro snowflake__instant_to_utc(column) -%}
    cast(convert_timezone('UTC', {{ column }}) as timestamp_ntz)
{%- endmacro %}


{#- UTC wall-clock time (a timestamp without time zone) -> wall-clock time of `target_tz`. -#}
{% macro utc_to_local(column, target_tz) -%}
    {{ return(adapter.dispatch('utc_to_local')(column, target_tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(column, target_tz) -%}
    cast(cast({{ column }} as timestamp) at time zone 'UTC' at time zone '{{ target_tz }}' as timestamp)
{%- endmacro %}

{% macro duckdb__utc_to_local(column, target_tz) -%}
    {#- timezone('UTC', timestamp) reads the wall clock as UTC; timezone(tz, timestamptz) renders it in tz. -#}
    timezone('{{ target_tz }}', timezone('UTC', cast({{ column }} as timestamp)))
{%- endmacro %}

{% macro snowflake__utc_to_local(column, target_tz) -%}
    convert_timezone('UTC', '{{ target_tz }}', cast({{ column }} as timestamp_ntz))
{%- endmacro %}


{#- The shop's calendar (var `shop_timezone`): the shop-local date of a UTC timestamp, and the
    first day of its shop-local month. Every date or month gold reports or groups by is one
    of these; instants stay UTC. -#}
{% macro shop_date(utc_column) -%}
    cast({{ utc_to_local(utc_column, var('shop_timezone')) }} as date)
{%- endmacro %}

{% macro shop_month(utc_column) -%}
    cast(date_trunc('month', {{ utc_to_local(utc_column, var('shop_timezone')) }}) as date)
{%- endmacro %}


{#- When a version of a row became true at the source, UTC: its change time (`changed_at`,
    an instant, e.g. users.updated_at), or the sync that delivered it when the source has
    none (no `changed_at`, or a deletion: the source records no deletion time). -#}
{% macro version_valid_from(changed_at=none) -%}
    {%- if changed_at is none -%}
        {{ instant_to_utc('_fivetran_synced') }}
    {%- else -%}
        case
            when coalesce(_fivetran_deleted, false) or {{ changed_at }} is null
                then {{ instant_to_utc('_fivetran_synced') }}
            else {{ instant_to_utc(changed_at) }}
        end
    {%- endif -%}
{%- endmacro %}


{#- Microseconds since 1970-01-01 00:00 UTC, exact (an integer): for an instant, or for a
    timestamp without time zone read as UTC. Used by tests and duration columns. -#}
{% macro epoch_microseconds(column) -%}
    {{ return(adapter.dispatch('epoch_microseconds')(column)) }}
{%- endmacro %}

{% macro default__epoch_microseconds(column) -%}
    cast(extract(epoch from {{ column }}) * 1000000 as bigint)
{%- endmacro %}

{% macro duckdb__epoch_microseconds(column) -%}
    epoch_us({{ column }})
{%- endmacro %}

{% macro snowflake__epoch_microseconds(column) -%}
    date_part(epoch_microsecond, {{ column }})
{%- endmacro %}


{#- Whole seconds from `start_column` to `end_column` (UTC timestamps). -#}
{% macro seconds_between(start_column, end_column) -%}
    cast(floor(({{ epoch_microseconds(end_column) }} - {{ epoch_microseconds(start_column) }}) / 1000000) as bigint)
{%- endmacro %}


{#- Name of the "timestamp with time zone" type (for casts). -#}
{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz')()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{% macro snowflake__type_timestamp_tz() -%}
    timestamp_tz
{%- endmacro %}


{#- Name of the "timestamp without time zone" type (for casts). On Snowflake, plain `timestamp`
    is whichever type the TIMESTAMP_TYPE_MAPPING parameter names (TIMESTAMP_NTZ by default,
    but an account or user may map it to TIMESTAMP_LTZ): spell it out. -#}
{% macro type_timestamp_ntz() -%}
    {{ return(adapter.dispatch('type_timestamp_ntz')()) }}
{%- endmacro %}

{% macro default__type_timestamp_ntz() -%}
    timestamp
{%- endmacro %}

{% macro snowflake__type_timestamp_ntz() -%}
    timestamp_ntz
{%- endmacro %}
