{#- The contacts export typed, latest version of each contact, direct identifiers included.
    Shared by the two models that split a contact: stg_secutix__contacts (no direct identifier)
    and restricted_contact_identities (identifiers only), so that the typing and the version
    rule are written once. Ephemeral: it holds direct identifiers, so it never becomes a
    relation of its own (it is inlined into its two readers; identifiers land in `restricted`
    only). -#}
{{ config(materialized='ephemeral') }}
{#- Each field with the raw column it comes from: the latest version whose file delivered that
    column wins it (a delta without the column keeps it); none: a required column. -#}
{%- set fields = {
    'contact_type': none,
    'title': 'title',
    'first_name': 'firstname',
    'last_name': 'lastname',
    'structure_name': 'official_name',
    'email': 'email',
    'email_key': 'email',
    'name_key': 'lastname',
    'phone': 'phone',
    'mobile_phone': 'mobile_phone',
    'address_line': 'line1',
    'birth_date': 'birthdate',
    'postcode': 'zipcode',
    'town': 'town',
    'country_code': 'country_code',
    'preferred_language': 'pref_lang',
    'profession': 'profession',
    'has_newsletter_opt_in': 'opt_in_newsletter',
    'has_refused_newsletter': 'opt_in_newsletter',
    'created_at': 'creation_date'
} -%}

with source as (
    -- each raw row with the columns its file delivered (NULL: unknown, counted as all)
    {{ with_columns_delivered(source('secutix', 'contacts')) }}
),

typed as (
    select
        {{ clean_text('contact_number') }} as contact_id,
        upper({{ clean_text('contact_type') }}) as contact_type,
        upper({{ clean_text('title') }}) as title,
        {{ clean_text('firstname') }} as first_name,
        {{ clean_text('lastname') }} as last_name,
        {{ clean_text('official_name') }} as structure_name,
        lower({{ clean_text('email') }}) as email,
        {{ pseudonymise('email') }} as email_key,
        case when upper({{ clean_text('contact_type') }}) = 'INDIVIDUAL'
            then {{ publics.name_key('lastname', 'firstname') }} end as name_key,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('mobile_phone') }} as mobile_phone,
        {{ clean_text('line1') }} as address_line,
        {{ parse_date_fr('birthdate') }} as birth_date,
        -- A French postcode that went through a spreadsheet may have lost its leading zero.
        {{ publics.clean_postcode('zipcode', clean_text('country_code')) }} as postcode,
        {{ clean_text('town') }} as town,
        upper(coalesce({{ clean_text('country_code') }}, 'FR')) as country_code,
        lower({{ clean_text('pref_lang') }}) as preferred_language,
        {{ clean_text('profession') }} as profession,
        coalesce(upper({{ clean_text('opt_in_newsletter') }}) in ('O', 'OUI', 'Y', 'YES', '1', 'TRUE'), false) as has_newsletter_opt_in,
        -- an explicit « no » (the SecuTix opt-out), not an empty field: an objection to marketing
        coalesce(upper({{ clean_text('opt_in_newsletter') }}) in ('N', 'NON', 'NO', '0', 'FALSE'), false) as has_refused_newsletter,
        {{ parse_timestamp_fr('creation_date') }} as created_at,
        {{ parse_timestamp_fr('last_update') }} as updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        _columns_delivered
    from source
),

latest as (
    {{ latest_record('typed', 'contact_id', 'updated_at', fields) }}
),

final as (
    select
        contact_id,
        contact_type,
        title,
        first_name,
        last_name,
        structure_name,
        email,
        email_key,
        name_key,
        phone,
        mobile_phone,
        address_line,
        birth_date,
        postcode,
        town,
        country_code,
        preferred_language,
        profession,
        has_newsletter_opt_in,
        has_refused_newsletter,
        created_at,
        updated_at,
        _source_file
    from latest
)

select * from final
