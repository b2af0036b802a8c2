{#- Brevo contacts, one row per address (its hash: the address, the names and the phone never
    leave raw), latest version per field: a delta exported without a column (SMS…) keeps what
    the earlier export said of that field. Versions are ordered by MODIFIED_TIME. -#}
{%- set fields = {
    'has_sms': 'sms',
    'is_email_blacklisted': 'email_blacklisted',
    'is_sms_blacklisted': 'sms_blacklisted',
    'list_ids': 'list_ids',
    'added_at': 'added_time'
} -%}

with source as (
    {{ with_columns_delivered(source('emailing', 'brevo_contacts')) }}
),

typed as (
    select
        {{ pseudonymise('email') }} as email_key,
        {{ clean_text('sms') }} is not null as has_sms,
        {{ parse_bool_fr('email_blacklisted') }} as is_email_blacklisted,
        {{ parse_bool_fr('sms_blacklisted') }} as is_sms_blacklisted,
        {{ clean_text('list_ids') }} as list_ids,
        {{ parse_timestamp_iso('added_time') }} as added_at,
        {{ parse_timestamp_iso('modified_time') }} as modified_at,
        _source_file,
        _row_number,
        _loaded_at,
        _columns_delivered
    from source
),

latest as (
    {{ latest_record('typed', 'email_key', 'modified_at', fields) }}
),

final as (
    select
        'brevo' as tool,
        email_key,
        has_sms,
        is_email_blacklisted,
        is_sms_blacklisted,
        list_ids,
        added_at,
        modified_at,
        _source_file as source_file
    from latest
)

select * from final
