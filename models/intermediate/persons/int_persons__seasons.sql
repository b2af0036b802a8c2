{#- What each person did in each season they were active (as buyer or ticket holder, tickets
    not cancelled): performances attended, paid orders, revenue, subscription. The season is
    the performances' season (a subscription bought in May counts for the season it serves). -#}
with tickets as (
    select * from {{ ref('int_sales__tickets') }} where not is_cancelled
),

orders as (
    select * from {{ ref('int_sales__orders') }} where not is_cancelled
),

attendance as (
    select buyer_person_key as person_key, season, performance_id
    from tickets where buyer_person_key is not null
    union
    select holder_person_key, season, performance_id
    from tickets where holder_person_key is not null
),

attended as (
    select
        person_key,
        season,
        count(distinct performance_id) as performances_attended
    from attendance
    group by person_key, season
),

bought as (
    select
        buyer_person_key as person_key,
        season,
        sum(case when is_paid_order then 1 else 0 end) as paid_orders,
        sum(tickets_sold) as tickets_bought,
        sum(revenue_eur) as revenue_eur,
        max(case when is_subscription then 1 else 0 end) = 1 as bought_subscription,
        min(case when is_paid_order then order_date end) as first_paid_order_date,
        max(case when is_paid_order then order_date end) as last_paid_order_date
    from orders
    where buyer_person_key is not null
    group by buyer_person_key, season
)

select
    coalesce(attended.person_key, bought.person_key) as person_key,
    coalesce(attended.season, bought.season) as season,
    coalesce(attended.performances_attended, 0) as performances_attended,
    coalesce(bought.paid_orders, 0) as paid_orders,
    coalesce(bought.tickets_bought, 0) as tickets_bought,
    {{ money('coalesce(bought.revenue_eur, 0)') }} as revenue_eur,
    -- a subscriber bought a subscription for the season (a companion holding one of its seats is not)
    coalesce(bought.bought_subscription, false) as is_subscriber,
    bought.first_paid_order_date,
    bought.last_paid_order_date
from attended
full outer join bought on attended.person_key = bought.person_key and attended.season = bought.season
