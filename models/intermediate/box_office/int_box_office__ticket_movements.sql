{#- One row per ticket with the two moments that move a performance's sales: the day it was sold
    (its order's date) and the day it stopped counting (cancelled, refunded or exchanged for
    another seat: the ticket or its order cancelled, at its last update). The curves of
    dashboard 4 are rebuilt from these two dates before the first daily snapshot. -#}
with tickets as (
    select * from {{ ref('stg_secutix__tickets') }}
),

orders as (
    select * from {{ ref('stg_secutix__orders') }}
),

tariffs as (
    select * from {{ ref('tariff_categories') }}
),

joined as (
    select
        tickets.ticket_id,
        tickets.performance_id,
        coalesce(tickets.seat_category_code, 'NON RENSEIGNÉE') as seat_category_code,
        coalesce(tariffs.is_paid, tickets.price_eur > 0) as is_paid,
        orders.order_date as sold_date,
        case
            when tickets.is_cancelled then {{ local_date('greatest(tickets.updated_at, orders.ordered_at)') }}
            when orders.is_cancelled then {{ local_date('greatest(orders.updated_at, orders.ordered_at)') }}
        end as cancelled_date,
        cast(round(tickets.price_eur * 1000) as bigint) as price_milli
    from tickets
    inner join orders on tickets.order_id = orders.order_id
    left join tariffs on tickets.tariff_code = tariffs.tariff_code
    where orders.order_date is not null
),

final as (
    select
        ticket_id,
        performance_id,
        seat_category_code,
        is_paid,
        sold_date,
        cancelled_date,
        price_milli
    from joined
)

select * from final
