{#- The marketing budget per season, campaign and channel, as typed by the team (latest delivery
    of each line). The owner's name stays in raw (not needed for any figure). -#}
with source as (
    select * from {{ source('spreadsheets', 'campaign_budgets') }}
),

typed as (
    select
        {{ clean_text('saison') }} as season,
        {{ clean_text('campagne') }} as campaign_name,
        lower({{ clean_text('canal') }}) as channel,
        {{ clean_text('plateforme') }} as platform_label,
        {{ parse_decimal_fr('budget') }} as budget_eur,
        {{ parse_date_any('debut') }} as starts_on,
        {{ parse_date_any('fin') }} as ends_on,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'season, campaign_name, channel', '_loaded_at') }}
)

select
    {{ publics.surrogate_key(['season', 'campaign_name', 'channel']) }} as budget_key,
    season,
    campaign_name,
    lower(trim(campaign_name)) as utm_campaign,
    channel,
    platform_label,
    case
        when lower(platform_label) like '%meta%' or lower(platform_label) like '%facebook%'
            or lower(platform_label) like '%instagram%' then 'meta'
        when lower(platform_label) like '%google%' then 'google_ads'
        else lower(platform_label)
    end as platform,
    budget_eur,
    starts_on,
    ends_on,
    _source_file as source_file
from latest
