{{ config(materialized='view') }}
{#- Dashboard 6 « Risque d'attrition des abonnés »: every subscriber of every season (the
    features mart), with the churn-risk score for the season scored (marts.fct_audience_scores,
    kind `attrition`; a view, so that scores written after the build are seen at once), whether
    they renewed, and when: the renewal's lead (days between their subscription order for the
    next season and that season's first day) beside today's lead (the same count for the as-of
    date), which is how the campaign's progress compares with the previous season's at the same
    point. No direct identifier. -#}
with features as (
    select * from {{ ref('fct_person_season_features') }} where is_subscriber
),

scores as (
    select * from {{ ref('fct_audience_scores') }} where score_kind = 'attrition'
),

persons as (
    select person_key, age_band_label, geo_zone_label from {{ ref('dim_persons') }}
),

as_of as (
    select as_of_date from {{ ref('int_persons__as_of') }}
),

renewals as (
    select buyer_person_key as person_key, season, min(order_date) as renewal_date
    from {{ ref('fct_orders') }}
    where is_subscription and not is_cancelled and buyer_person_key is not null
    group by buyer_person_key, season
),

-- the seasons whose subscription campaign has started: one subscription order delivered at least
-- (before it, a renewal share of 0 would read « nobody renewed » when nobody could yet)
campaigns as (
    select distinct season
    from {{ ref('fct_orders') }}
    where is_subscription and not is_cancelled
)

select
    features.person_key,
    features.season,
    persons.age_band_label,
    persons.geo_zone_label,
    features.was_subscriber_previous_season,
    case when features.was_subscriber_previous_season then 'Fidèle' else 'Première année' end as tenure_label,
    features.subscribed_seasons,
    features.subscription_tickets,
    features.performances_in_season,
    features.revenue_in_season_eur,
    features.days_since_last_purchase,
    features.is_outcome_known,
    features.renewed_next_season,
    renewals.renewal_date,
    {{ dbt.datediff('renewals.renewal_date', publics.season_start_date(publics.next_season('features.season')), 'day') }}
        as renewal_lead_days,
    {{ dbt.datediff('as_of.as_of_date', publics.season_start_date(publics.next_season(publics.season_of('as_of.as_of_date'))), 'day') }}
        as lead_days_today,
    campaigns.season is not null as is_next_campaign_open,
    scores.person_key is not null as is_scored,
    scores.probability,
    scores.decile,
    scores.top_features,
    scores.model_version
from features
cross join as_of
inner join persons on persons.person_key = features.person_key
left join renewals
    on renewals.person_key = features.person_key and renewals.season = {{ publics.next_season('features.season') }}
left join scores on scores.person_key = features.person_key and scores.season = features.season
left join campaigns on campaigns.season = {{ publics.next_season('features.season') }}
