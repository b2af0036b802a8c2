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

data_start as (
    select min(season) as first_season from statuses
),

with_previous as (
    select
        statuses.*,
        lag(statuses.season) over by_person as previous_row_season,
        lag(statuses.attended_in_season) over by_person as previous_row_attended,
        lag(statuses.is_subscriber) over by_person as previous_row_subscriber,
        lag(statuses.season, 2) over by_person as second_row_season,
        lag(statuses.is_subscriber, 2) over by_person as second_row_subscriber
    from statuses
    window by_person as (partition by statuses.person_key order by statuses.season)
),

flagged as (
    select
        with_previous.*,
        {{ publics.previous_season('with_previous.season') }} as previous_season,
        -- a person without a row for a season was not yet known then: not an attendee, not a subscriber
        coalesce(with_previous.previous_row_season = {{ publics.previous_season('with_previous.season') }}
                 and with_previous.previous_row_attended, false) as attended_previous,
        coalesce(with_previous.previous_row_season = {{ publics.previous_season('with_previous.season') }}
                 and with_previous.previous_row_subscriber, false) as subscriber_previous,
        coalesce(with_previous.previous_row_season = {{ publics.previous_season('with_previous.season') }}
                 and with_previous.second_row_season = {{ publics.previous_season(publics.previous_season('with_previous.season')) }}
                 and with_previous.second_row_subscriber, false) as subscriber_two_seasons_before,
        -- tenure is only known when the data covers the season before the previous one
        {{ publics.previous_season(publics.previous_season('with_previous.season')) }} >= data_start.first_season
            as knows_subscriber_tenure,
        {{ publics.previous_season('with_previous.season') }} >= data_start.first_season as knows_previous_season
    from with_previous
    cross join data_start
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
    sum(case when flagged.attended_in_season and flagged.is_first_season and flagged.knows_previous_season
             then 1 else 0 end) as first_time_attendees,
    sum(flagged.performances_in_season) as performances_attended,
    sum(case when flagged.performances_in_season >= 2 then 1 else 0 end) as attendees_returning_in_season,
    sum(case when flagged.knows_previous_season and flagged.attended_previous then 1 else 0 end)
        as attendees_previous_season,
    sum(case when flagged.knows_previous_season and flagged.attended_previous and flagged.attended_in_season
             then 1 else 0 end) as retained_attendees,
    sum(case when flagged.is_subscriber then 1 else 0 end) as subscribers,
    sum(case when flagged.knows_subscriber_tenure and flagged.subscriber_previous
             and not flagged.subscriber_two_seasons_before then 1 else 0 end) as first_year_subscribers_previous_season,
    sum(case when flagged.knows_subscriber_tenure and flagged.subscriber_previous
             and not flagged.subscriber_two_seasons_before and flagged.is_subscriber then 1 else 0 end)
        as first_year_subscribers_renewed,
    sum(case when flagged.knows_subscriber_tenure and flagged.subscriber_previous
             and flagged.subscriber_two_seasons_before then 1 else 0 end) as long_time_subscribers_previous_season,
    sum(case when flagged.knows_subscriber_tenure and flagged.subscriber_previous
             and flagged.subscriber_two_seasons_before and flagged.is_subscriber then 1 else 0 end)
        as long_time_subscribers_renewed,
    {{ money('sum(flagged.revenue_in_season_eur)') }} as revenue_eur
from flagged
inner join persons on persons.person_key = flagged.person_key
group by
    flagged.season, flagged.status, flagged.status_label, persons.age_band_label, persons.is_young,
    persons.geo_zone_label, persons.buyer_type, coalesce(persons.first_purchase_channel_label, 'Aucun achat')
