{#- Meta Ads Insights, one row per object (campaign, ad set or ad) and day, latest delivery of
    each. Spend in euros whether the file says 45.12 or 45,12 (a French re-save); dates ISO or
    dd/mm/yyyy. `level` tells which object the row describes: rows of different levels of the
    same campaign and day overlap and must not be added up together. -#}
with source as (
    select * from {{ source('ads', 'meta_ads_insights') }}
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('campaign_name') }} as campaign_name,
        {{ clean_text('adset_id') }} as adset_id,
        {{ clean_text('adset_name') }} as adset_name,
        {{ clean_text('ad_id') }} as ad_id,
        case
            when {{ clean_text('ad_id') }} is not null then 'ad'
            when {{ clean_text('adset_id') }} is not null then 'adset'
            else 'campaign'
        end as level,
        {{ parse_date_any('date_start') }} as activity_date,
        {{ parse_decimal_fr('spend') }} as spend_eur,
        {{ parse_integer('impressions') }} as impressions,
        {{ parse_integer('clicks') }} as clicks,
        {{ parse_integer('inline_link_clicks') }} as link_clicks,
        {{ parse_integer('reach') }} as reach,
        upper({{ clean_text('objective') }}) as objective,
        upper(coalesce({{ clean_text('account_currency') }}, 'EUR')) as currency,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'campaign_id, adset_id, ad_id, activity_date', '_loaded_at') }}
)

select
    {{ publics.surrogate_key(['campaign_id', 'adset_id', 'ad_id', 'activity_date']) }} as insight_key,
    'meta' as platform,
    campaign_id,
    campaign_name,
    adset_id,
    adset_name,
    ad_id,
    level,
    activity_date,
    {{ season_of('activity_date') }} as season,
    spend_eur,
    impressions,
    clicks,
    link_clicks,
    reach,
    objective,
    currency,
    _source_file as source_file
from latest
