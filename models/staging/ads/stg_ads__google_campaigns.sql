{#- Google Ads campaign report, one row per campaign and day, latest delivery of each. Cost in
    micros of the account currency (15230000 = 15,23 €). -#}
with source as (
    select * from {{ source('ads', 'google_ads_campaigns') }}
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('campaign_name') }} as campaign_name,
        upper({{ clean_text('campaign_status') }}) as campaign_status,
        upper({{ clean_text('campaign_advertising_channel_type') }}) as advertising_channel_type,
        {{ parse_date_any('segments_date') }} as activity_date,
        cast({{ parse_integer('metrics_cost_micros') }} as numeric(18, 6)) / 1000000 as cost_eur,
        {{ parse_integer('metrics_impressions') }} as impressions,
        {{ parse_integer('metrics_clicks') }} as clicks,
        {{ parse_decimal_fr('metrics_conversions', 2) }} as platform_conversions,
        {{ parse_decimal_fr('metrics_conversions_value', 2) }} as platform_conversions_value,
        cast({{ parse_integer('campaign_budget_amount_micros') }} as numeric(18, 6)) / 1000000 as daily_budget_eur,
        upper(coalesce({{ clean_text('customer_currency_code') }}, 'EUR')) as currency,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'campaign_id, activity_date', '_loaded_at') }}
)

select
    {{ publics.surrogate_key(['campaign_id', 'activity_date']) }} as report_key,
    'google_ads' as platform,
    campaign_id,
    campaign_name,
    campaign_status,
    advertising_channel_type,
    activity_date,
    {{ season_of('activity_date') }} as season,
    cast(cost_eur as numeric(14, 2)) as spend_eur,
    impressions,
    clicks,
    platform_conversions,
    platform_conversions_value,
    daily_budget_eur,
    currency,
    _source_file as source_file
from latest
