{#- Mailchimp audience members (the audience export: one CSV per status), one row per address
    (its hash: the address, the names, the IP addresses, the location and the notes never leave
    raw), the latest status: the version whose status changed last (unsubscribed or cleaned time,
    else LAST_CHANGED), then the latest delivery. Times are UTC (docs/formats.md §4). -#}
with source as (
    select * from {{ source('emailing', 'mailchimp_members') }}
),

typed as (
    select
        {{ pseudonymise('email_address') }} as email_key,
        lower({{ clean_text('status') }}) as status,
        {{ parse_integer('member_rating') }} as member_rating,
        {{ parse_timestamp_utc('optin_time') }} as opted_in_at,
        {{ parse_timestamp_utc('confirm_time') }} as confirmed_at,
        {{ parse_timestamp_utc('unsub_time') }} as unsubscribed_at,
        {{ clean_text('unsub_campaign_id') }} as unsubscribe_campaign_id,
        {{ clean_text('unsub_reason') }} as unsubscribe_reason,
        {{ parse_timestamp_utc('clean_time') }} as cleaned_at,
        {{ clean_text('clean_campaign_id') }} as cleaned_campaign_id,
        upper({{ clean_text('cc') }}) as country_code,
        {{ clean_text('tags') }} as tags,
        coalesce(
            {{ parse_timestamp_utc('unsub_time') }},
            {{ parse_timestamp_utc('clean_time') }},
            {{ parse_timestamp_utc('last_changed') }}
        ) as changed_at,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'email_key', 'changed_at') }}
)

select
    'mailchimp' as tool,
    email_key,
    status,
    member_rating,
    opted_in_at,
    confirmed_at,
    changed_at,
    unsubscribed_at,
    unsubscribe_campaign_id,
    unsubscribe_reason,
    cleaned_at,
    cleaned_campaign_id,
    country_code,
    tags,
    _source_file as source_file
from latest
where email_key is not null
