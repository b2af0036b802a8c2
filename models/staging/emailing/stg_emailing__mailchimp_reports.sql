{#- Mailchimp campaign reports, one row per campaign (latest delivery). -#}
with source as (
    select * from {{ source('emailing', 'mailchimp_reports') }}
),

typed as (
    select
        {{ clean_text('id') }} as campaign_id,
        {{ clean_text('campaign_title') }} as campaign_title,
        {{ clean_text('subject_line') }} as subject,
        {{ clean_text('list_id') }} as list_id,
        {{ parse_timestamp_iso('send_time') }} as sent_at,
        {{ parse_integer('emails_sent') }} as emails_sent,
        {{ parse_integer('opens_unique_opens') }} as unique_opens,
        {{ parse_integer('opens_opens_total') }} as opens,
        -- without Apple Mail Privacy Protection's automatic opens (older exports: null)
        {{ parse_integer('opens_proxy_excluded_unique_opens') }} as proxy_excluded_unique_opens,
        {{ parse_integer('opens_proxy_excluded_opens') }} as proxy_excluded_opens,
        {{ parse_integer('clicks_unique_subscriber_clicks') }} as unique_clickers,
        {{ parse_integer('clicks_clicks_total') }} as clicks,
        {{ parse_integer('unsubscribed') }} as unsubscribes,
        {{ parse_integer('bounces_hard_bounces') }} as hard_bounces,
        {{ parse_integer('bounces_soft_bounces') }} as soft_bounces,
        {{ parse_integer('abuse_reports') }} as complaints,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'campaign_id', '_loaded_at') }}
)

select
    'mailchimp' as tool,
    campaign_id,
    campaign_title,
    subject,
    list_id,
    sent_at,
    {{ season_of(local_date('sent_at')) }} as season,
    emails_sent,
    emails_sent - coalesce(hard_bounces, 0) - coalesce(soft_bounces, 0) as delivered,
    unique_opens,
    opens,
    proxy_excluded_unique_opens,
    proxy_excluded_opens,
    unique_clickers,
    clicks,
    unsubscribes,
    hard_bounces,
    soft_bounces,
    complaints,
    _source_file as source_file
from latest
