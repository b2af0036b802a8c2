{#- Paid media per platform, campaign and day (Meta, Google Ads), one grain for every platform,
    with the campaign name read by the naming convention. Spend, impressions and clicks add up
    over days and campaigns; reach does not (people reached on two days are counted twice). -#}
with spend as (
    select * from {{ ref('int_marketing__ad_spend_daily') }}
)

select
    ad_spend_key,
    platform,
    {{ publics.ad_platform_label('platform') }} as platform_label,
    campaign_id,
    campaign_name,
    utm_campaign,
    {{ publics.campaign_is_conforming('utm_campaign') }} as is_campaign_conforming,
    {{ publics.campaign_part('utm_campaign', 'season') }} as campaign_season,
    {{ publics.campaign_part('utm_campaign', 'objective') }} as campaign_objective,
    {{ publics.campaign_part('utm_campaign', 'show') }} as campaign_show,
    {{ publics.campaign_part('utm_campaign', 'audience') }} as campaign_audience,
    activity_date,
    season,
    spend_eur,
    impressions,
    clicks,
    reach
from spend
