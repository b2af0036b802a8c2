{#- Contacts without their direct identifiers (name, email, phone, address line): those live
    in restricted.restricted_contact_identities only. The free-text COMMENT column never
    leaves raw (minimisation). -#}
with contacts as (
    select * from {{ ref('base_secutix__contacts') }}
),

final as (
    select
        contact_id,
        contact_type,
        title,
        cast({{ publics.date_part('year', 'birth_date') }} as integer) as birth_year,
        email_key,
        name_key,
        email is not null as has_email,
        coalesce(phone, mobile_phone) is not null as has_phone,
        postcode,
        town,
        country_code,
        preferred_language,
        profession,
        has_newsletter_opt_in,
        has_refused_newsletter,
        created_at,
        updated_at,
        _source_file as source_file
    from contacts
)

select * from final
