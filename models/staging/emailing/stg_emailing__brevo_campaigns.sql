{#- Brevo campaign statistics, one row per campaign (latest delivery). -#}
with source as (
    select * from {{ source('emailing', 'brevo_campaigns') }}
),

typed as (
    select
        {{ clean_text('id') }} as campaign_id,
        {{ clean_text('name') }} as campaign_title,
        {{ clean_text('subject') }} as subject,
        {{ clean_text('listid') }} as list_id,
        lower({{ clean_text('tag') }}) as tag,
        {{ parse_timestamp_iso('sentdate') }} as sent_at,
        {{ parse_integer('sent') }} as emails_sent,
        {{ parse_integer('delivered') }} as delivered,
        {{ parse_integer('uniqueviews') }} as unique_opens,
        {{ parse_integer('clickers') }} as unique_clickers,
        {{ parse_integer('uniqueclicks') }} as clicks,
        {{ parse_integer('unsubscriptions') }} as unsubscribes,
        {{ parse_integer('hardbounces') }} as hard_bounces,
        {{ parse_integer('softbounces') }} as soft_bounces,
        {{ parse_integer('complaints') }} as complaints,
        {{ parse_integer('applemppopens') }} as apple_mpp_opens,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'campaign_id', '_loaded_at') }}
)

select
    'brevo' as tool,
    campaign_id,
    campaign_title,
    subject,
    list_id,
    tag,
    sent_at,
    {{ season_of(local_date('sent_at')) }} as season,
    emails_sent,
    delivered,
    unique_opens,
    apple_mpp_opens,
    unique_clickers,
    clicks,
    unsubscribes,
    hard_bounces,
    soft_bounces,
    complaints,
    _source_file as source_file
from latest
