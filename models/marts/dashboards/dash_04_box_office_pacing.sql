{#- Dataset of dashboard 4 « Remplissage & rythme des ventes »: one row per performance and day
    before it (D-180 … D0, up to the day the sales are known as of), with its sales as they stood
    that day, its comparables' at the same day, the forecast of its final paid tickets and the
    baseline. Tickets and revenue are cumulative: a card reads one day (`is_latest_day`, or a
    given `days_before`), never sums over days. -#}
with curves as (
    select * from {{ ref('int_box_office__sales_curves') }}
),

forecasts as (
    select * from {{ ref('int_box_office__sales_forecast') }}
),

performances as (
    select * from {{ ref('dim_performances') }}
    where not is_cancelled
),

rules as (
    select * from {{ ref('box_office_comparable_rules') }}
),

as_of as (
    select as_of_date from {{ ref('int_box_office__sales_as_of') }}
),

final as (
    select
        performances.performance_id,
        performances.show_code,
        performances.show_name,
        performances.genre,
        performances.venue_code,
        performances.venue_name,
        performances.season,
        performances.performance_date,
        extract(isodow from performances.performance_date) as weekday_number,
        performances.performance_date >= as_of.as_of_date as is_upcoming,
        curves.days_before,
        curves.sales_date,
        curves.sales_date = least(as_of.as_of_date, performances.performance_date) as is_latest_day,
        curves.curve_source,
        performances.capacity,
        curves.paid_tickets,
        curves.invitation_tickets,
        curves.paid_tickets + curves.invitation_tickets as total_tickets,
        greatest(0, performances.capacity - curves.paid_tickets - curves.invitation_tickets) as seats_left,
        {{ money('curves.paid_revenue_milli / 1000.0') }} as paid_revenue_eur,
        forecasts.comparable_rule,
        rules.comparable_rule_label,
        coalesce(forecasts.comparable_shows, 0) as comparable_shows,
        forecasts.comparables_paid_tickets,
        forecasts.forecast_paid_tickets,
        forecasts.forecast_low_paid_tickets,
        forecasts.forecast_high_paid_tickets,
        forecasts.baseline_paid_tickets,
        forecasts.final_paid_tickets,
        case when forecasts.is_evaluated then 1 else 0 end as evaluated_performances,
        forecasts.forecast_abs_pct_error,
        forecasts.baseline_abs_pct_error
    from curves
    inner join performances on curves.performance_id = performances.performance_id
    inner join forecasts
        on curves.performance_id = forecasts.performance_id
        and curves.days_before = forecasts.days_before
    left join rules on forecasts.comparable_rule = rules.comparable_rule
    cross join as_of
)

select
    performance_id,
    show_code,
    show_name,
    genre,
    venue_code,
    venue_name,
    season,
    performance_date,
    weekday_number,
    is_upcoming,
    days_before,
    sales_date,
    is_latest_day,
    curve_source,
    capacity,
    paid_tickets,
    invitation_tickets,
    total_tickets,
    seats_left,
    paid_revenue_eur,
    comparable_rule,
    comparable_rule_label,
    comparable_shows,
    comparables_paid_tickets,
    forecast_paid_tickets,
    forecast_low_paid_tickets,
    forecast_high_paid_tickets,
    baseline_paid_tickets,
    final_paid_tickets,
    evaluated_performances,
    forecast_abs_pct_error,
    baseline_abs_pct_error
from final
