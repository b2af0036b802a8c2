{{ config(materialized='view') }}
{#- Dashboard 5 « Occasionnels → abonnés »: every non-subscriber attendee of every season (the
    features mart), with the next season's outcome where known (the historical conversion) and,
    for the season scored, the propensity score (marts.fct_audience_scores, kind `abonnement`):
    a view, so that scores written after the build are seen at once. No direct identifier:
    segments only. -#}
with features as (
    select * from {{ ref('fct_person_season_features') }} where not is_subscriber
),

scores as (
    select * from {{ ref('fct_audience_scores') }} where score_kind = 'abonnement'
),

persons as (
    select person_key, age_band_label, geo_zone_label from {{ ref('dim_persons') }}
),

statuses as (
    select person_key, season, status_label from {{ ref('fct_person_seasons') }}
)

select
    features.person_key,
    features.season,
    statuses.status_label,
    persons.age_band_label,
    persons.geo_zone_label,
    features.performances_in_season,
    features.genres_in_season,
    features.revenue_in_season_eur,
    features.email_clicks_12m,
    features.web_sessions_12m,
    features.days_since_last_purchase,
    features.is_outcome_known,
    features.became_subscriber_next_season,
    scores.person_key is not null as is_scored,
    scores.probability,
    scores.decile,
    scores.top_features,
    scores.model_version
from features
inner join persons on persons.person_key = features.person_key
left join statuses on statuses.person_key = features.person_key and statuses.season = features.season
left join scores on scores.person_key = features.person_key and scores.season = features.season
