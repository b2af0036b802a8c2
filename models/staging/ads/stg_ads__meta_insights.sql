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
      campaign and day overlap and must not be added up together.
    - One campaign delivered by the API (with its ID) and by Ads Manager (name only): the UI row
      takes the ID of the API campaign of that name, account and day (named_campaigns), and one
      version wins by the rule of every report (macros/latest_record.sql): what the file says of
      its date (the end of its report period), then the date in its name, then arrival. -#}
with source as (
    -- the file's own date: the end of its report period (Fin des rapports / date_stop), the latest of the file
    {{ file_dates(source('ads', 'meta_ads_insights'), parse_date_any('date_stop')) }}
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
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('account_name') }} as account_name,
        _file_dated_at,
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

-- The campaigns the API names by ID, by account, day and name: an Ads Manager row without the ID
-- takes the ID of the one campaign of that name on that day in its account (an account the row
-- does not name matches any), so that an API and a UI delivery of one campaign are one record
-- and one version wins (latest_record). Several campaigns of one name: the row keeps its name.
named_campaigns as (
    select distinct account_id, account_name, activity_date, campaign_name, campaign_id
    from dated
    where campaign_id is not null and campaign_name is not null and activity_date is not null
),

name_matches as (
    select
        ui._source_file,
        ui._row_number,
        ui._loaded_at,
        min(api.campaign_id) as matched_campaign_id
    from dated as ui
    inner join named_campaigns as api
        on
            ui.campaign_name = api.campaign_name
            and ui.activity_date = api.activity_date
            and (ui.account_id is null or ui.account_id = api.account_id)
            and (ui.account_name is null or ui.account_name = api.account_name)
    where ui.campaign_id is null
    group by ui._source_file, ui._row_number, ui._loaded_at
    having count(distinct api.campaign_id) = 1
),

keyed as (
    -- A day is one row whatever the report period it was exported in; a period total is
    -- told apart by its period.
    select
        dated.*,
        coalesce(dated.campaign_id, name_matches.matched_campaign_id, dated.campaign_key) as version_campaign_key,
        case when dated.activity_date is null then dated.report_start_date end as total_from_date
    from dated
    left join name_matches
        on
            dated._source_file = name_matches._source_file
            and dated._row_number = name_matches._row_number
            and dated._loaded_at = name_matches._loaded_at
),

latest as (
    {{ latest_record('keyed', 'version_campaign_key, adset_key, ad_key, activity_date, total_from_date', '_loaded_at', file_dated_at='_file_dated_at') }}
)

select
    {{ publics.surrogate_key(['version_campaign_key', 'adset_key', 'ad_key', 'activity_date', 'total_from_date']) }} as insight_key,
    'meta' as platform,
    version_campaign_key as campaign_key,
    coalesce(campaign_id, case when version_campaign_key != campaign_key then version_campaign_key end) as campaign_id,
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
