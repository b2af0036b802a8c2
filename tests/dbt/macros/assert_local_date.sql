-- publics.local_date: the institution's calendar day of a moment (var local_timezone, Paris),
-- whatever the database session's time zone; the season follows that day.
with cases (moment, expected_date, expected_season) as (
    values
        (cast('2025-08-31 23:30:00+00' as timestamp with time zone), cast('2025-09-01' as date), '2025-26'),
        (cast('2025-08-31 21:30:00+00' as timestamp with time zone), cast('2025-08-31' as date), '2024-25'),
        (cast('2026-01-15 23:10:00+00' as timestamp with time zone), cast('2026-01-16' as date), '2025-26'),
        (cast(null as timestamp with time zone), cast(null as date), null)
),
computed as (
    select cases.*,
        {{ publics.local_date('moment') }} as got_date,
        {{ publics.season_of(publics.local_date('moment')) }} as got_season
    from cases
)
select * from computed
where got_date is distinct from expected_date or got_season is distinct from expected_season
