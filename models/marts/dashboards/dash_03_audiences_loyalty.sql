{#- Dataset of dashboard 3 « Publics & Fidélisation »: people counted by season, status and
    segments (age band, zone, buyer type, acquisition channel), with additive counts from which
    every loyalty KPI is a ratio of sums over the rows filtered (glossary: kpi_first_time_share,
    kpi_retention, kpi_reattendance, kpi_average_frequency, kpi_subscriber_renewal). No person
    key: a dashboard dataset holds no individual row. Measured against the demo's planted truth
    (publics_demo/loyalty.py, same definitions). -#}
with statuses as (
    select * from {{ ref('fct_person_seasons') }}
),

persons as (
    select * from {{ ref('dim_persons') }}
),

-- the same person's row of the season before, and of the season before that. Two CTEs, not
-- `statuses` joined again: Postgres materialises a CTE read more than once, and these, read
-- once each, are inlined and hash-joined on the table itself.
previous_statuses as (
    select person_key, season, attended_in_season, is_subscriber from {{ ref('fct_person_seasons') }}
),

second_previous_statuses as (
    select person_key, season, is_subscriber from {{ ref('fct_person_seasons') }}
),

-- Each season once with the two before it: the calendar macros run per season (a grouped
-- subquery is not flattened into the rows), not on each of the person-season rows.
seasons as (
    select
        season,
        {{ publics.previous_season('season') }} as previous_season,
        {{ publics.previous_season(publics.previous_season('season')) }} as second_previous_season
    from {{ ref('fct_person_seasons') }}
    group by season
),

data_start as (
    select min(season) as first_season from seasons
),

calendar as (
    select
        seasons.season,
        seasons.previous_season,
        seasons.second_previous_season,
        -- tenure is only known when the data covers the season before the previous one
        seasons.second_previous_season >= data_start.first_season as knows_subscriber_tenure,
        seasons.previous_season >= data_start.first_season as knows_previous_season
    from seasons
    cross join data_start
),

-- The person's rows of the two seasons before, by equality joins (one row per person and
-- season): a person without a row for a season was not yet known then — not an attendee,
-- not a subscriber; the season two before counts only when the previous one is there too.
flagged as (
    select
        statuses.*,
        calendar.knows_subscriber_tenure,
        calendar.knows_previous_season,
        coalesce(previous.attended_in_season, false) as attended_previous,
        coalesce(previous.is_subscriber, false) as subscriber_previous,
        coalesce(previous.person_key is not null and second_previous.is_subscriber, false)
            as subscriber_two_seasons_before
    from statuses
    inner join calendar on calendar.season = statuses.season
    left join previous_statuses as previous
        on previous.person_key = statuses.person_key
        and previous.season = calendar.previous_season
    left join second_previous_statuses as second_previous
        on second_previous.person_key = statuses.person_key
        and second_previous.season = calendar.second_previous_season
)

select
    flagged.season,
    flagged.status,
    flagged.status_label,
    persons.age_band_label,
    persons.is_young,
    persons.geo_zone_label,
    persons.buyer_type,
    coalesce(persons.first_purchase_channel_label, 'Aucun achat') as acquisition_channel_label,
    count(*) as persons,
    sum(case when flagged.attended_in_season then 1 else 0 end) as attendees,
    -- a count that needs the season before is null (« non mesuré »), not 0, for a season whose
    -- previous one the data does not cover (sum over only nulls is null)
    sum(case when not flagged.knows_previous_season then null
             when flagged.attended_in_season and flagged.is_first_season then 1 else 0 end) as first_time_attendees,
    sum(flagged.performances_in_season) as performances_attended,
    sum(case when flagged.performances_in_season >= 2 then 1 else 0 end) as attendees_returning_in_season,
    sum(case when not flagged.knows_previous_season then null
             when flagged.attended_previous then 1 else 0 end) as attendees_previous_season,
    sum(case when not flagged.knows_previous_season then null
             when flagged.attended_previous and flagged.attended_in_season then 1 else 0 end) as retained_attendees,
    sum(case when flagged.is_subscriber then 1 else 0 end) as subscribers,
    sum(case when not flagged.knows_subscriber_tenure then null
             when flagged.subscriber_previous and not flagged.subscriber_two_seasons_before then 1 else 0 end)
        as first_year_subscribers_previous_season,
    sum(case when not flagged.knows_subscriber_tenure then null
             when flagged.subscriber_previous and not flagged.subscriber_two_seasons_before
             and flagged.is_subscriber then 1 else 0 end) as first_year_subscribers_renewed,
    sum(case when not flagged.knows_subscriber_tenure then null
             when flagged.subscriber_previous and flagged.subscriber_two_seasons_before then 1 else 0 end)
        as long_time_subscribers_previous_season,
    sum(case when not flagged.knows_subscriber_tenure then null
             when flagged.subscriber_previous and flagged.subscriber_two_seasons_before
             and flagged.is_subscriber then 1 else 0 end) as long_time_subscribers_renewed,
    {{ money('sum(flagged.revenue_in_season_eur)') }} as revenue_eur
from flagged
inner join persons on persons.person_key = flagged.person_key
group by
    flagged.season, flagged.status, flagged.status_label, persons.age_band_label, persons.is_young,
    persons.geo_zone_label, persons.buyer_type, coalesce(persons.first_purchase_channel_label, 'Aucun achat')
