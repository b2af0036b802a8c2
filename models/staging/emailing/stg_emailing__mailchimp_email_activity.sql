{#- Mailchimp per-recipient activity: one row per open, click or bounce (latest delivery of
    each). The address never leaves raw: `email_key` is the same hash as the ticketing contacts'
    (md5 of the trimmed, lower-case address — Mailchimp's own `email_id` is that hash too, used
    when the address is absent). The IP address stays in raw. The UTM of a click come from the
    clicked link. -#}
with source as (
    select * from {{ source('emailing', 'mailchimp_email_activity') }}
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('list_id') }} as list_id,
        coalesce({{ pseudonymise('email_address') }}, lower({{ clean_text('email_id') }})) as email_key,
        lower({{ clean_text('action') }}) as action,
        lower({{ clean_text('type') }}) as bounce_type,
        {{ parse_timestamp_iso('timestamp') }} as occurred_at,
        {{ clean_text('url') }} as clicked_url,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', "campaign_id, email_key, action, occurred_at, coalesce(clicked_url, '')", '_loaded_at') }}
)

select
    {{ publics.surrogate_key(['campaign_id', 'email_key', 'action', 'occurred_at', 'clicked_url']) }} as activity_key,
    'mailchimp' as tool,
    campaign_id,
    list_id,
    email_key,
    action,
    bounce_type,
    occurred_at,
    {{ season_of(local_date('occurred_at')) }} as season,
    {{ dbt.split_part('clicked_url', "'?'", 1) }} as clicked_page,
    {{ clean_utm(publics.url_parameter('clicked_url', 'utm_source')) }} as utm_source_raw,
    {{ clean_utm(publics.url_parameter('clicked_url', 'utm_medium')) }} as utm_medium_raw,
    {{ clean_utm(publics.url_parameter('clicked_url', 'utm_campaign')) }} as utm_campaign,
    {{ clean_utm(publics.url_parameter('clicked_url', 'utm_content')) }} as utm_content,
    _source_file as source_file
from latest
