{#- Each person's age at the first performance they came to in each season (as buyer or ticket
    holder, tickets not cancelled, invitations included: the attendees of int_persons__seasons),
    for the share of under-28s among the season's attendees (dashboard 7). Age unknown: null. -#}
with tickets as (
    select * from {{ ref('int_sales__tickets') }} where not is_cancelled
),

birth_dates as (
    select * from {{ ref('int_persons__birth_dates') }}
),

attendance as (
    select buyer_person_key as person_key, season, performance_date
    from tickets where buyer_person_key is not null
    union all
    select holder_person_key, season, performance_date
    from tickets where holder_person_key is not null
),

firsts as (
    select person_key, season, min(performance_date) as first_performance_date
    from attendance
    group by person_key, season
),

aged as (
    select
        firsts.person_key,
        firsts.season,
        firsts.first_performance_date,
        {{ publics.age_on('birth_dates.birth_date', 'firsts.first_performance_date') }} as age_at_first_performance
    from firsts
    left join birth_dates on birth_dates.person_key = firsts.person_key
)

select
    aged.person_key,
    aged.season,
    aged.first_performance_date,
    aged.age_at_first_performance,
    age_bands.is_young as is_young_at_first_performance
from aged
left join {{ ref('age_bands') }} as age_bands
    on aged.age_at_first_performance between age_bands.min_age and age_bands.max_age
