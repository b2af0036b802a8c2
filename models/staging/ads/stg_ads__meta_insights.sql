{#- Meta Ads Insights, one row per object (campaign, ad set or ad) and day, latest delivery of
    each, whether the Marketing API export or an Ads Manager export (French or English, CSV or
    xlsx: the contract's aliases gave the UI headers the API names). Spend in euros however the
    file writes it (45.12, 45,12, 1 039,80, 1,234.56); dates ISO or dd/mm/yyyy.
    - The day: `day` (an Ads Manager export broken down by day), else the report period when it
      is one day (API rows: date_start = date_stop). A row covering several days without a day
      is a period total: its activity_date is null (the test on it warns: re-export by day).
    - The campaign: its ID, or — Ads Manager exports without the "Campaign ID" column — its
      name (campaign_key; likewise adset_key, ad_key). The key is campaign (ad set, ad), day. The row without ID nor name that Ads Manager writes first is the
      table's total: it is not a campaign, and is left out.
    - `level` tells which object the row describes: rows of different levels of the same
      campaign and day overlap and must not be added up together. -#}
with source as (
    select * from {{ source('ads', 'meta_ads_insights') }}
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        coalesce({{ clean_text('campaign_id') }}, {{ clean_text('campaign_name') }}) as campaign_key,
        {{ clean_text('campaign_name') }} as campaign_name,
        {{ clean_text('adset_id') }} as adset_id,
        coalesce({{ clean_text('adset_id') }}, {{ clean_text('adset_name') }}) as adset_key,
        {{ clean_text('adset_name') }} as adset_name,
        {{ clean_text('ad_id') }} as ad_id,
        coalesce({{ clean_text('ad_id') }}, {{ clean_text('ad_name') }}) as ad_key,
        case
            when {{ clean_text('ad_id') }} is not null or {{ clean_text('ad_name') }} is not null then 'ad'
            when {{ clean_text('adset_id') }} is not null or {{ clean_text('adset_name') }} is not null then 'adset'
            else 'campaign'
        end as level,
        {{ parse_date_any('day') }} as day_date,
        {{ parse_date_any('date_start') }} as report_start_date,
        {{ parse_date_any('date_stop') }} as report_end_date,
        {{ parse_decimal_any('spend') }} as spend_eur,
        {{ parse_integer_any('impressions') }} as impressions,
        {{ parse_integer_any('clicks') }} as clicks,
        {{ parse_integer_any('inline_link_clicks') }} as link_clicks,
        {{ parse_integer_any('reach') }} as reach,
        upper({{ clean_text('objective') }}) as objective,
        upper(coalesce({{ clean_text('account_currency') }}, 'EUR')) as currency,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

dated as (
    select
        typed.*,
        coalesce(
            day_date,
            case when coalesce(report_end_date, report_start_date) = report_start_date then report_start_date end
        ) as activity_date
    from typed
    where campaign_key is not null
),

keyed as (
    -- A day is one row whatever the report period it was exported in; a period total is
    -- told apart by its period.
    select
        dated.*,
        case when activity_date is null then report_start_date end as total_from_date
    from dated
),

latest as (
    {{ latest_record('keyed', 'campaign_key, adset_key, ad_key, activity_date, total_from_date', '_loaded_at') }}
)

select
    {{ publics.surrogate_key(['campaign_key', 'adset_key', 'ad_key', 'activity_date', 'total_from_date']) }} as insight_key,
    'meta' as platform,
    campaign_key,
    campaign_id,
    campaign_name,
    adset_id,
    adset_name,
    ad_id,
    level,
    activity_date,
    report_start_date,
    report_end_date,
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
