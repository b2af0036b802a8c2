{#- Contacts without their direct identifiers (name, email, phone, address line): those live
    in restricted.restricted_secutix_contact_identities only. The free-text COMMENT column
    never leaves raw (minimisation). -#}
with source as (
    select * from {{ source('secutix', 'contacts') }}
),

typed as (
    select
        {{ clean_text('contact_number') }} as contact_id,
        upper({{ clean_text('contact_type') }}) as contact_type,
        upper({{ clean_text('title') }}) as title,
        {{ parse_date_fr('birthdate') }} as birth_date,
        {{ pseudonymise('email') }} as email_key,
        {{ clean_text('email') }} is not null as has_email,
        coalesce({{ clean_text('phone') }}, {{ clean_text('mobile_phone') }}) is not null as has_phone,
        -- A French postcode that went through a spreadsheet may have lost its leading zero.
        case
            when upper(coalesce({{ clean_text('country_code') }}, 'FR')) = 'FR'
                 and {{ clean_text('zipcode') }} ~ '^[0-9]{4}$' then '0' || trim(zipcode)
            else upper({{ clean_text('zipcode') }})
        end as postcode,
        {{ clean_text('town') }} as town,
        upper(coalesce({{ clean_text('country_code') }}, 'FR')) as country_code,
        lower({{ clean_text('pref_lang') }}) as preferred_language,
        {{ clean_text('profession') }} as profession,
        coalesce(upper({{ clean_text('opt_in_newsletter') }}) in ('O', 'OUI', 'Y', 'YES', '1', 'TRUE'), false) as has_newsletter_opt_in,
        {{ parse_timestamp_fr('creation_date') }} as created_at,
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
        contact_type,
        title,
        birth_date,
        cast({{ publics.date_part('year', 'birth_date') }} as integer) as birth_year,
        email_key,
        has_email,
        has_phone,
        postcode,
        town,
        country_code,
        preferred_language,
        profession,
        has_newsletter_opt_in,
        created_at,
        updated_at,
        _source_file as source_file
    from latest
)

select * from final
