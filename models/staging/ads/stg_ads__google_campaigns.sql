{#- Google Ads campaign report, one row per campaign and day, latest delivery of each, from a
    GAQL export (cost in micros of the account currency: 15230000 = 15,23 €) or a download
    from the Google Ads UI (cost in the currency as displayed: "1,234.56", "2 345,67"; counts
    with thousands separators; the contract's aliases gave its headers the GAQL names). Both
    give the same euros to the cent. UI downloads without the "Campaign ID" column are keyed on
    the campaign name (campaign_key). Versions of a day: what the file says of its date first
    (macros/latest_record.sql, file_dates). -#}
with source as (
    -- the file's own date: a UI download's date range, else the latest day an export holds
    {{ file_dates(source('ads', 'google_ads_campaigns'), parse_date_any('segments_date')) }}
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        coalesce({{ clean_text('campaign_id') }}, {{ clean_text('campaign_name') }}) as campaign_key,
        {{ clean_text('campaign_name') }} as campaign_name,
        upper({{ clean_text('campaign_status') }}) as campaign_status,
        upper(replace({{ clean_text('campaign_advertising_channel_type') }}, ' ', '_')) as advertising_channel_type,
        {{ parse_date_any('segments_date') }} as activity_date,
        coalesce(
            cast({{ parse_integer('metrics_cost_micros') }} as numeric(18, 6)) / 1000000,
            {{ parse_decimal_any('metrics_cost') }}
        ) as cost_eur,
        {{ parse_integer_any('metrics_impressions') }} as impressions,
        {{ parse_integer_any('metrics_clicks') }} as clicks,
        {{ parse_decimal_any('metrics_conversions') }} as platform_conversions,
        {{ parse_decimal_any('metrics_conversions_value') }} as platform_conversions_value,
        cast({{ parse_integer('campaign_budget_amount_micros') }} as numeric(18, 6)) / 1000000 as daily_budget_eur,
        upper(coalesce({{ clean_text('customer_currency_code') }}, 'EUR')) as currency,
        _file_dated_at,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'campaign_key, activity_date', '_loaded_at', file_dated_at='_file_dated_at') }}
)

select
    {{ publics.surrogate_key(['campaign_key', 'activity_date']) }} as report_key,
    'google_ads' as platform,
    campaign_key,
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
