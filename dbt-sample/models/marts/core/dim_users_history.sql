{#- Every version of every user, with when it was true at the source (SCD2, from bronze's
    versions: stg_user_versions) and the address it pointed to, as that address read when
    the version started. Use it for "what was true when" (where a customer lived when they
    ordered); the snapshots only record what silver held at each dbt run. Incremental:
    recomputes the users with new versions and the users of addresses with new versions. -#}
{{
    config(
        materialized='incremental',
        watermark_inputs=['stg_user_versions', 'stg_address_versions'],
        pre_hook="{{ delete_changed_keys('user_id', changed_user_histories()) }}",
    )
}}

{%- set changed_users = changed_user_histories() %}

with user_versions as (

    select *
    from {{ ref('stg_user_versions') }}
    {%- if is_incremental() %}
    where user_id in ({{ changed_users }})
    {%- endif %}

),

address_versions as (

    select * from {{ ref('stg_address_versions') }}

),

-- the address version in force when the user version started (an address first synced
-- after that: its first version)
version_addresses as (

    select
        user_versions.user_version_id,
        address_versions.address,
        address_versions.zipcode,
        address_versions.zipcode_text,
        address_versions.state,
        address_versions.country,
        address_versions._fivetran_synced
    from user_versions
    inner join address_versions
        on
            user_versions.address_id = address_versions.address_id
            and (
                address_versions.valid_to_utc is null
                or user_versions.valid_from_utc < address_versions.valid_to_utc
            )
    qualify row_number() over (
        partition by user_versions.user_version_id
        order by address_versions.valid_from_utc
    ) = 1

),

final as (

    select
        user_versions.user_version_id,
        user_versions.user_id,
        user_versions.first_name,
        user_versions.last_name,
        user_versions.email,
        user_versions.phone_number,
        user_versions.address_id,
        version_addresses.address,
        version_addresses.zipcode,
        version_addresses.zipcode_text,
        version_addresses.state,
        version_addresses.country,
        user_versions.total_orders,
        user_versions.created_at_utc,
        user_versions.updated_at_utc,
        user_versions.valid_from_utc,
        user_versions.valid_to_utc,
        user_versions.is_current,
        user_versions.is_deleted,
        {{ greatest_ignore_nulls(['user_versions._fivetran_synced', 'version_addresses._fivetran_synced']) }}
            as _fivetran_synced
    from user_versions
    left join version_addresses
        on user_versions.user_version_id = version_addresses.user_version_id

)

select * from final
