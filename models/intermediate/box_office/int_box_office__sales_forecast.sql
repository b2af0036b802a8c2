{#- The forecast of each performance's final paid attendance at each day before it (D-180 … D0):
    the paid tickets sold by that day divided by the share of their final paid sales its
    comparable shows (int_box_office__show_comparables) had reached by the same day, pooled over
    them; the range divides by the 90th and 10th percentiles of the comparables' shares. Never
    below what is sold, never above the capacity. Beside it the naive baseline: the capacity
    times the hall's paid fill rate over the earlier seasons. For a performance already played,
    each one's absolute percentage error against the final paid tickets (the evaluation: every
    comparable is of an earlier season, so a season is forecast from the seasons before it). -#}
with curves as (
    select * from {{ ref('int_box_office__sales_curves') }}
),

performances as (
    select * from {{ ref('stg_secutix__performances') }}
    where not is_cancelled
),

comparables as (
    select * from {{ ref('int_box_office__show_comparables') }}
),

as_of as (
    select as_of_date from {{ ref('int_box_office__sales_as_of') }}
),

played as (
    -- the performances played, with their final paid tickets
    select
        performances.performance_id,
        performances.show_code,
        performances.venue_code,
        performances.season,
        performances.capacity,
        curves.paid_tickets as final_paid_tickets
    from performances
    inner join curves on performances.performance_id = curves.performance_id and curves.days_before = 0
    cross join as_of
    where performances.performance_date < as_of.as_of_date
),

show_curves as (
    select
        played.show_code,
        curves.days_before,
        count(*) as performances,
        sum(curves.paid_tickets) as paid_tickets,
        sum(played.final_paid_tickets) as final_paid_tickets
    from played
    inner join curves on played.performance_id = curves.performance_id
    group by played.show_code, curves.days_before
),

comparable_days as (
    select
        comparables.show_code,
        show_curves.days_before,
        min(comparables.comparable_rule) as comparable_rule,
        count(*) as comparable_shows,
        sum(show_curves.paid_tickets) as paid_tickets,
        sum(show_curves.final_paid_tickets) as final_paid_tickets,
        sum(show_curves.performances) as performances,
        percentile_cont(0.1) within group (order by 1.0 * show_curves.paid_tickets / show_curves.final_paid_tickets) as low_share,
        percentile_cont(0.9) within group (order by 1.0 * show_curves.paid_tickets / show_curves.final_paid_tickets) as high_share
    from comparables
    inner join show_curves on comparables.comparable_show_code = show_curves.show_code
    where show_curves.final_paid_tickets > 0
    group by comparables.show_code, show_curves.days_before
),

hall_fill as (
    -- each hall's paid fill rate over the seasons before each season
    select
        seasons.venue_code,
        seasons.season,
        1.0 * sum(played.final_paid_tickets) / nullif(sum(played.capacity), 0) as paid_fill_rate
    from (select distinct venue_code, season from performances) as seasons
    inner join played on played.venue_code = seasons.venue_code and played.season < seasons.season
    group by seasons.venue_code, seasons.season
),

joined as (
    select
        curves.performance_id,
        curves.days_before,
        performances.capacity,
        curves.paid_tickets,
        played.final_paid_tickets,
        comparable_days.comparable_rule,
        comparable_days.comparable_shows,
        1.0 * comparable_days.paid_tickets / nullif(comparable_days.performances, 0) as comparables_paid_tickets,
        1.0 * comparable_days.paid_tickets / nullif(comparable_days.final_paid_tickets, 0) as reached_share,
        comparable_days.low_share,
        comparable_days.high_share,
        hall_fill.paid_fill_rate as hall_paid_fill_rate
    from curves
    inner join performances on curves.performance_id = performances.performance_id
    left join played on curves.performance_id = played.performance_id
    left join comparable_days
        on performances.show_code = comparable_days.show_code
        and curves.days_before = comparable_days.days_before
    left join hall_fill
        on performances.venue_code = hall_fill.venue_code
        and performances.season = hall_fill.season
),

forecast as (
    select
        *,
        {{ forecast_from_share('paid_tickets', 'reached_share', 'capacity') }} as forecast_paid_tickets,
        {{ forecast_from_share('paid_tickets', 'high_share', 'capacity') }} as forecast_low_paid_tickets,
        {{ forecast_from_share('paid_tickets', 'low_share', 'capacity') }} as forecast_high_paid_tickets,
        round(capacity * hall_paid_fill_rate) as baseline_paid_tickets
    from joined
),

evaluated as (
    select
        *,
        -- evaluated: played, with a forecast and a baseline (both judged on the same performances)
        coalesce(final_paid_tickets > 0 and forecast_paid_tickets is not null and baseline_paid_tickets is not null, false)
            as is_evaluated
    from forecast
),

final as (
    select
        performance_id,
        days_before,
        comparable_rule,
        comparable_shows,
        cast(comparables_paid_tickets as numeric(12, 1)) as comparables_paid_tickets,
        cast(reached_share as numeric(8, 4)) as reached_share,
        forecast_paid_tickets,
        forecast_low_paid_tickets,
        forecast_high_paid_tickets,
        baseline_paid_tickets,
        final_paid_tickets,
        is_evaluated,
        case when is_evaluated then cast(abs(forecast_paid_tickets - final_paid_tickets) / final_paid_tickets as numeric(10, 6)) end
            as forecast_abs_pct_error,
        case when is_evaluated then cast(abs(baseline_paid_tickets - final_paid_tickets) / final_paid_tickets as numeric(10, 6)) end
            as baseline_abs_pct_error
    from evaluated
)

select
    performance_id,
    days_before,
    comparable_rule,
    comparable_shows,
    comparables_paid_tickets,
    reached_share,
    forecast_paid_tickets,
    forecast_low_paid_tickets,
    forecast_high_paid_tickets,
    baseline_paid_tickets,
    final_paid_tickets,
    is_evaluated,
    forecast_abs_pct_error,
    baseline_abs_pct_error
from final
