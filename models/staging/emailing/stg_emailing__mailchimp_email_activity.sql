{#- Mailchimp per-recipient activity: one row per open, click or bounce (latest delivery of
    each). The address never leaves raw: `email_key` is the same keyed hash as the ticketing
    contacts' (macro pseudonymise). When the export has no address, Mailchimp's own `email_id`
    (md5 of the lower-case address, a public hash) is matched to a ticketing contact's address
    inside this query (the ephemeral contacts base: the md5 is never stored), else keyed itself
    (a recipient of its own, never joined to anyone). The IP address stays in raw. The UTM of a
    click come from the clicked link. -#}
with source as (
    select * from {{ source('emailing', 'mailchimp_email_activity') }}
),

subscriber_hashes as (
    -- Mailchimp's subscriber hash of each contact's address → the contact's key
    {{ mailchimp_subscriber_hashes(ref('base_secutix__contacts')) }}
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('list_id') }} as list_id,
        {{ mailchimp_email_key('source', 'subscriber_hashes') }} as email_key,
        lower({{ clean_text('action') }}) as action,
        lower({{ clean_text('type') }}) as bounce_type,
        {{ parse_timestamp_iso('timestamp') }} as occurred_at,
        {{ clean_text('url') }} as clicked_url,
        source._source_file,
        source._row_number,
        source._loaded_at
    from source
    left join subscriber_hashes on {{ mailchimp_subscriber_hash_join('source', 'subscriber_hashes') }}
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
