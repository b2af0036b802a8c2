{#- Mailchimp per-recipient activity: one row per open, click or bounce (latest delivery of
    each). The address never leaves raw: `email_key` is the same keyed hash as the ticketing
    contacts' (macro pseudonymise). When the export has no address, Mailchimp's own `email_id`
    (md5 of the lower-case address, a public hash) is matched to a ticketing contact's address
    inside this query (the ephemeral contacts base: the md5 is never stored), else keyed itself
    (a recipient of its own, never joined to anyone). The IP address stays in raw. The UTM of a
    click come from the clicked link. -#}

{#- Incremental by campaign (macros/incremental.sql): a batch that delivers activity of a
    campaign again has all the campaign's rows ranked again. A row's `email_key` also depends on
    the contacts when the export has no address (the subscriber hash matched to a contact's
    address): the campaigns holding such a row whose hash is that of an address a new contact
    batch delivers, or a former address of the contacts it changes, are recomputed too. -#}
{%- set campaign = "coalesce(" ~ clean_text('campaign_id') ~ ", '')" -%}
{%- set raw_activity = source('emailing', 'mailchimp_email_activity') -%}
{%- set raw_contacts = source('secutix', 'contacts') -%}
{{ config(**publics.incremental_config("coalesce(campaign_id, '')", [campaign], [['emailing', 'mailchimp_email_activity']])) }}
{%- set matched_through_new_contacts = none -%}
{%- if is_incremental() -%}
{%- set matched_through_new_contacts -%}
        select {{ campaign }}
        from {{ raw_activity }} as activity
        where {{ clean_text('activity.email_address') }} is null
            and lower({{ clean_text('activity.email_id') }}) in (
                select md5(lower(trim(versions.email)))
                from {{ raw_contacts }} as versions
                where {{ clean_text('versions.email') }} is not null
                    and {{ clean_text('versions.contact_number') }} in (
                        select {{ clean_text('contact_number') }} from {{ raw_contacts }}
                        where _loaded_at > {{ publics.incremental_watermark() }}
                    )
            )
{%- endset -%}
{%- endif %}

with source as (
    select * from {{ raw_activity }}
    {{ publics.incremental_filter([campaign], [raw_activity], also=matched_through_new_contacts) }}
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
    _source_file as source_file,
    {{ publics.raw_loaded_through([raw_activity, raw_contacts]) }} as raw_loaded_through
from latest
