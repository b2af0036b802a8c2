{#- Each performance's sales as they stood at the end of each day before it (D-180 … D0, var
    `box_office_curve_days`), rebuilt from the tickets' sale and cancellation dates: a ticket
    counts from the day it was sold until the day it was cancelled, refunded or exchanged, so an
    exchange after purchase leaves the days before it unchanged. Sales before the window count at
    its first day. An upcoming performance has the days up to the day the sales are known. -#}
with movements as (
    select * from {{ ref('int_box_office__ticket_movements') }}
),

performances as (
    select * from {{ ref('stg_secutix__performances') }}
    where not is_cancelled
),

as_of as (
    select as_of_date from {{ ref('int_box_office__sales_as_of') }}
),

days as (
    {{ number_spine(var('box_office_curve_days')) }}
),

events as (
    -- +1 on the day of sale, -1 on the day of cancellation, each at its day before the performance
    select
        movements.performance_id,
        {{ curve_day('performances.performance_date', 'movements.sold_date') }} as days_before,
        movements.is_paid,
        1 as tickets,
        movements.price_milli
    from movements
    inner join performances on movements.performance_id = performances.performance_id
    union all
    select
        movements.performance_id,
        {{ curve_day('performances.performance_date', 'movements.cancelled_date') }} as days_before,
        movements.is_paid,
        -1 as tickets,
        -movements.price_milli as price_milli
    from movements
    inner join performances on movements.performance_id = performances.performance_id
    where movements.cancelled_date is not null
),

daily_changes as (
    select
        performance_id,
        days_before,
        sum(case when is_paid then tickets else 0 end) as paid_tickets,
        sum(case when is_paid then 0 else tickets end) as invitation_tickets,
        sum(case when is_paid then price_milli else 0 end) as paid_revenue_milli
    from events
    group by performance_id, days_before
),

grid as (
    select
        performances.performance_id,
        performances.performance_date,
        days.n as days_before
    from performances
    cross join days
    cross join as_of
    -- the days already known: up to the day the sales are known as of
    where {{ dbt.dateadd('day', '-days.n', 'performances.performance_date') }} <= as_of.as_of_date
),

final as (
    select
        grid.performance_id,
        grid.days_before,
        cast({{ dbt.dateadd('day', '-grid.days_before', 'grid.performance_date') }} as date) as sales_date,
        sum(coalesce(daily_changes.paid_tickets, 0)) over curve as paid_tickets,
        sum(coalesce(daily_changes.invitation_tickets, 0)) over curve as invitation_tickets,
        sum(coalesce(daily_changes.paid_revenue_milli, 0)) over curve as paid_revenue_milli
    from grid
    left join daily_changes
        on grid.performance_id = daily_changes.performance_id
        and grid.days_before = daily_changes.days_before
    window curve as (partition by grid.performance_id order by grid.days_before desc rows between unbounded preceding and current row)
)

select
    performance_id,
    days_before,
    sales_date,
    paid_tickets,
    invitation_tickets,
    paid_revenue_milli
from final
