{#- Paid media per platform, campaign and day, one grain for every platform. The campaign is
    the platform's campaign ID, or its name when a UI export had no ID column (campaign_key). For Meta, a
    campaign's day is taken at the coarsest level delivered (campaign rows if any, else the sum
    of its ad sets, else of its ads), so that overlapping levels are never added up. -#}
with meta as (
    select *,
        min(case level when 'campaign' then 1 when 'adset' then 2 else 3 end)
            over (partition by campaign_key, activity_date) as kept_level
    from {{ ref('stg_ads__meta_insights') }}
    where activity_date is not null  -- period totals (an export not broken down by day) have no day
),

meta_daily as (
    select
        platform,
        campaign_key as campaign_id,
        max(campaign_name) as campaign_name,
        activity_date,
        season,
        cast(sum(spend_eur) as numeric(14, 2)) as spend_eur,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(reach) as reach
    from meta
    where case level when 'campaign' then 1 when 'adset' then 2 else 3 end = kept_level
    group by platform, campaign_key, activity_date, season
),

google_daily as (
    select
        platform,
        campaign_key as campaign_id,
        campaign_name,
        activity_date,
        season,
        spend_eur,
        impressions,
        clicks,
        cast(null as {{ dbt.type_bigint() }}) as reach
    from {{ ref('stg_ads__google_campaigns') }}
),

unioned as (
    select * from meta_daily
    union all
    select * from google_daily
)

select
    {{ publics.surrogate_key(['platform', 'campaign_id', 'activity_date']) }} as ad_spend_key,
    unioned.*,
    lower(trim(campaign_name)) as utm_campaign
from unioned
