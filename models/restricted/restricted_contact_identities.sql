{#- Direct identifiers of ticketing contacts: the only place they leave `raw`. Read by the
    box office and CRM exports, never by Metabase (its role sees `marts` only). -#}
with source as (
    select * from {{ source('secutix', 'contacts') }}
),

typed as (
    select
        {{ clean_text('contact_number') }} as contact_id,
        {{ clean_text('firstname') }} as first_name,
        {{ clean_text('lastname') }} as last_name,
        {{ clean_text('official_name') }} as structure_name,
        lower({{ clean_text('email') }}) as email,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('mobile_phone') }} as mobile_phone,
        {{ clean_text('line1') }} as address_line,
        {{ parse_timestamp_fr('last_update') }} as updated_at,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'contact_id', 'updated_at') }}
),

final as (
    select
        contact_id,
        first_name,
        last_name,
        structure_name,
        email,
        {{ pseudonymise('email') }} as email_key,
        phone,
        mobile_phone,
        address_line,
        updated_at
    from latest
)

select * from final
