{#- Dataset of dashboard 2 « Acquisition & Budgets »: per season, campaign and platform, the
    media figures (spend, impressions, clicks from the ad platforms), the budget (the team's
    workbook) and what the campaign brought (attributed revenue and new buyers, one column per
    attribution model, so that every column adds up). A campaign is its utm_campaign name on a
    platform: Meta and Google campaigns of the same name are two rows. Its season is the one its
    budget line gives, else the one its name gives (convention), else the season of its first
    day of spend: a campaign for next season starts spending in June. A budget line typed with a
    near-miss of the campaign's name is on the campaign's row, its label beside it
    (int_marketing__budget_campaign_matches).
    What a campaign brought is measured only inside the web measurement window (attribution
    credits no web channel outside it): `spend_measured_eur` is its spend on the days inside the
    window (the ROAS's denominator), `measurement_status` says whether its days of spend (else
    its season) are inside, partly or not at all, and outside the results are null (« non
    mesuré »), never 0. -#}
{%- set models = ['last_non_direct', 'first_click', 'last_click', 'linear', 'position_based', 'time_decay'] -%}
with web_window as (
    select measured_from, measured_to
    from {{ ref('int_quality__measurement_windows') }}
    where is_attribution_web_tool
),

spend as (
    select daily.utm_campaign, daily.platform, max(daily.campaign_name) as campaign_name,
        min(daily.season) as first_spend_season,
        min(daily.activity_date) as first_spend_date, max(daily.activity_date) as last_spend_date,
        sum(daily.spend_eur) as spend_eur,
        sum(case when {{ is_in_window('daily.activity_date', 'web_window.measured_from', 'web_window.measured_to') }}
                 then daily.spend_eur else 0 end) as spend_measured_eur,
        sum(daily.impressions) as impressions, sum(daily.clicks) as clicks
    from {{ ref('int_marketing__ad_spend_daily') }} as daily
    left join web_window on true
    group by daily.utm_campaign, daily.platform
),

-- each budget line on the campaign it pays for (a near-miss name matched, never split off)
budgets as (
    select
        coalesce(matched_utm_campaign, budget_utm_campaign) as utm_campaign,
        platform,
        max(season) as season,
        max(budget_label) as campaign_name,
        sum(budget_eur) as budget_eur,
        max(case when match_type = 'approchant' then budget_label end) as budget_near_miss_label,
        max(case when match_type = 'approchant' then edit_distance end) as budget_match_distance
    from {{ ref('int_marketing__budget_campaign_matches') }}
    group by coalesce(matched_utm_campaign, budget_utm_campaign), platform
),

first_orders as (
    select order_id
    from (
        select order_id, row_number() over (partition by buyer_person_key order by ordered_at, order_id) as purchase_rank
        from {{ ref('fct_orders') }}
        where is_paid_order and not is_cancelled and buyer_person_key is not null
    ) as ranked
    where purchase_rank = 1
),

credits as (
    select
        credits.*,
        case
            when credits.source in ('facebook', 'instagram', 'meta') then 'meta'
            when credits.source = 'google' and credits.is_paid_channel then 'google_ads'
            when credits.channel_group = 'Email' then 'emailing'
            else 'autre'
        end as platform,
        first_orders.order_id is not null as is_first_purchase
    from {{ ref('fct_attribution_credits') }} as credits
    left join first_orders on first_orders.order_id = credits.order_id
    where credits.campaign is not null
),

results as (
    select
        campaign as utm_campaign,
        platform,
        {% for m in models %}
        sum(case when attribution_model = '{{ m }}' then credited_revenue_eur else 0 end) as revenue_{{ m }}_eur,
        sum(case when attribution_model = '{{ m }}' and is_first_purchase then credit else 0 end) as new_buyers_{{ m }},
        {% endfor %}
        sum(case when attribution_model = 'last_click' then credit else 0 end) as orders_last_click
    from credits
    group by campaign, platform
),

keys as (
    select utm_campaign, platform from spend
    union
    select utm_campaign, platform from budgets
    union
    select utm_campaign, platform from results where platform in ('meta', 'google_ads')
),

joined as (
    select
        coalesce(budgets.season, {{ campaign_part('keys.utm_campaign', 'season') }}, spend.first_spend_season)
            as season,
        keys.utm_campaign,
        coalesce(spend.campaign_name, budgets.campaign_name, keys.utm_campaign) as campaign_name,
        keys.platform,
        {{ publics.ad_platform_label('keys.platform') }} as platform_label,
        {{ campaign_part('keys.utm_campaign', 'objective') }} as campaign_objective,
        {{ campaign_part('keys.utm_campaign', 'show') }} as campaign_show,
        {{ campaign_part('keys.utm_campaign', 'audience') }} as campaign_audience,
        budgets.budget_eur is not null as is_in_budget,
        budgets.budget_near_miss_label,
        budgets.budget_match_distance,
        cast(coalesce(budgets.budget_eur, 0) as numeric(14, 2)) as budget_eur,
        cast(coalesce(spend.spend_eur, 0) as numeric(14, 2)) as spend_eur,
        cast(coalesce(spend.spend_measured_eur, 0) as numeric(14, 2)) as spend_measured_eur,
        spend.first_spend_date,
        spend.last_spend_date,
        coalesce(spend.impressions, 0) as impressions,
        coalesce(spend.clicks, 0) as clicks,
        {% for m in models %}
        results.revenue_{{ m }}_eur,
        results.new_buyers_{{ m }},
        {% endfor %}
        results.orders_last_click
    from keys
    left join spend on spend.utm_campaign = keys.utm_campaign and spend.platform = keys.platform
    left join budgets on budgets.utm_campaign = keys.utm_campaign and budgets.platform = keys.platform
    left join results on results.utm_campaign = keys.utm_campaign and results.platform = keys.platform
),

measured as (
    select
        joined.*,
        {{ publics.campaign_measurement_status('joined') }} as measurement_status,
        {{ measurement_window_label('mesure web', 'web_window.measured_from', 'web_window.measured_to') }}
            as measurement_window_label
    from joined
    left join web_window on true
)

select
    season,
    utm_campaign,
    campaign_name,
    platform,
    platform_label,
    campaign_objective,
    campaign_show,
    campaign_audience,
    is_in_budget,
    budget_near_miss_label,
    budget_match_distance,
    budget_eur,
    spend_eur,
    spend_measured_eur,
    first_spend_date,
    last_spend_date,
    impressions,
    clicks,
    {% for m in models %}
    -- « non mesuré »: null, never 0
    {{ money("case when measurement_status <> 'non mesuré' then coalesce(revenue_" ~ m ~ "_eur, 0) end") }}
        as revenue_{{ m }}_eur,
    cast(case when measurement_status <> 'non mesuré' then coalesce(new_buyers_{{ m }}, 0) end
        as numeric(14, 4)) as new_buyers_{{ m }},
    {% endfor %}
    cast(case when measurement_status <> 'non mesuré' then coalesce(orders_last_click, 0) end
        as numeric(14, 4)) as orders_last_click,
    measurement_status,
    measurement_window_label
from measured
