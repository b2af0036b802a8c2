{#- The status (statut) of every known person at the end of every season, from the season they
    became known to the current one: the history that retention, renewal and churn are read
    from. A season still running is evaluated at the as-of date (int_persons__as_of).
    Statuses and thresholds: seeds lifecycle_statuses and lifecycle_thresholds; rules in the
    glossary (docs block `status_rules`). -#}
with as_of as (
    select as_of_date from {{ ref('int_persons__as_of') }}
),

thresholds as (
    select
        max(case when threshold = 'new_buyer_months' then value end) as new_buyer_months,
        max(case when threshold = 'dormant_after_months' then value end) as dormant_after_months,
        max(case when threshold = 'lost_after_months' then value end) as lost_after_months,
        max(case when threshold = 'regular_min_performances' then value end) as regular_min_performances,
        max(case when threshold = 'passionate_min_performances' then value end) as passionate_min_performances
    from {{ ref('lifecycle_thresholds') }}
),

persons as (
    select
        identities.person_key,
        min(contacts.created_at) as known_since
    from {{ ref('int_identity__contacts') }} as identities
    inner join {{ ref('stg_secutix__contacts') }} as contacts on identities.contact_id = contacts.contact_id
    group by identities.person_key
),

activity as (
    select * from {{ ref('int_persons__seasons') }}
),

seasons as (
    select distinct season from {{ ref('dim_performances') }} where season is not null
),

season_bounds as (
    select
        seasons.season,
        {{ publics.season_start_date('seasons.season') }} as season_start,
        least({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, publics.season_start_date('seasons.season'))) }},
              as_of.as_of_date) as evaluated_on
    from seasons
    cross join as_of
    where {{ publics.season_start_date('seasons.season') }} <= as_of.as_of_date
),

grid as (
    select persons.person_key, season_bounds.season, season_bounds.season_start, season_bounds.evaluated_on
    from persons
    inner join season_bounds
        on cast(persons.known_since as date) <= season_bounds.evaluated_on  -- a buyer is a contact before buying
),

history as (
    select
        grid.person_key,
        grid.season,
        grid.evaluated_on,
        max(case when activity.season = grid.season then activity.performances_attended end) as performances_in_season,
        sum(case when activity.season in (grid.season, {{ publics.previous_season('grid.season') }})
                 then activity.performances_attended else 0 end) as performances_two_seasons,
        max(case when activity.season = grid.season and activity.is_subscriber then 1 else 0 end) = 1 as is_subscriber,
        {{ money('max(case when activity.season = grid.season then activity.revenue_eur end)') }} as revenue_in_season,
        min(case when activity.first_paid_order_date <= grid.evaluated_on then activity.first_paid_order_date end) as first_purchase_date,
        max(case when activity.last_paid_order_date <= grid.evaluated_on then activity.last_paid_order_date end) as last_purchase_date,
        min(case when activity.performances_attended > 0 then activity.season end) as first_attended_season
    from grid
    left join activity on activity.person_key = grid.person_key and activity.season <= grid.season
    group by grid.person_key, grid.season, grid.evaluated_on
),

classified as (
    select
        history.*,
        case
            when history.first_purchase_date is null then 'prospect'
            when history.is_subscriber then 'abonne'
            when history.performances_two_seasons >= thresholds.passionate_min_performances then 'passionne'
            when history.performances_two_seasons >= thresholds.regular_min_performances then 'regulier'
            when history.first_purchase_date > {{ dbt.dateadd('month', '-1 * thresholds.new_buyer_months', 'history.evaluated_on') }} then 'nouveau'
            when history.last_purchase_date > {{ dbt.dateadd('month', '-1 * thresholds.dormant_after_months', 'history.evaluated_on') }} then 'occasionnel'
            when history.last_purchase_date > {{ dbt.dateadd('month', '-1 * thresholds.lost_after_months', 'history.evaluated_on') }} then 'en_sommeil'
            else 'perdu'
        end as status
    from history
    cross join thresholds
)

select
    {{ publics.surrogate_key(['classified.person_key', 'classified.season']) }} as person_season_key,
    classified.person_key,
    classified.season,
    classified.evaluated_on,
    classified.status,
    statuses.status_label,
    coalesce(classified.performances_in_season, 0) as performances_in_season,
    classified.performances_two_seasons,
    coalesce(classified.performances_in_season, 0) > 0 as attended_in_season,
    classified.is_subscriber,
    coalesce(classified.revenue_in_season, 0) as revenue_in_season_eur,
    classified.first_purchase_date,
    classified.last_purchase_date,
    coalesce(classified.first_attended_season = classified.season, false) as is_first_season
from classified
left join {{ ref('lifecycle_statuses') }} as statuses on statuses.status = classified.status
