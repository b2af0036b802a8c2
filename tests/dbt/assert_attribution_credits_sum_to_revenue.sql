-- Under every attribution model, the credited revenue equals the revenue of the paid orders
-- and the credited tickets their tickets, exactly (thousandths split by exact_split, nothing
-- rounded), order by order and in total; each order's credits sum to 1.
-- Rows returned are the models (or orders) that do not.
with orders as (
    select order_id, revenue_eur, tickets_sold
    from {{ ref('fct_orders') }}
    where is_paid_order and not is_cancelled
),

totals as (
    select sum(revenue_eur) as revenue_eur, sum(tickets_sold) as tickets_sold from orders
),

by_model as (
    select attribution_model, sum(credited_revenue_eur) as credited_revenue_eur,
        sum(credited_tickets) as credited_tickets
    from {{ ref('fct_attribution_credits') }}
    group by attribution_model
),

order_credits as (
    select attribution_model, order_id, sum(credit) as total_credit,
        sum(credited_revenue_eur) as credited_revenue_eur, sum(credited_tickets) as credited_tickets
    from {{ ref('fct_attribution_credits') }}
    group by attribution_model, order_id
)

select by_model.attribution_model, by_model.credited_revenue_eur, totals.revenue_eur, 'revenue' as problem
from by_model
cross join totals
where by_model.credited_revenue_eur <> totals.revenue_eur
union all
select by_model.attribution_model, by_model.credited_tickets, totals.tickets_sold, 'tickets'
from by_model
cross join totals
where by_model.credited_tickets <> totals.tickets_sold
union all
select attribution_model, null, null, 'order ' || order_id || ' credits sum to ' || cast(total_credit as varchar)
from order_credits
where abs(total_credit - 1) > 0.000001
union all
select order_credits.attribution_model, order_credits.credited_revenue_eur, orders.revenue_eur,
    'order ' || orders.order_id || ': revenue or tickets not split exactly'
from order_credits
inner join orders on orders.order_id = order_credits.order_id
where order_credits.credited_revenue_eur <> orders.revenue_eur
    or order_credits.credited_tickets <> orders.tickets_sold
union all
select m.attribution_model, null, null, 'model missing'
from (select 'last_non_direct' as attribution_model union all select 'first_click' union all select 'last_click'
      union all select 'linear' union all select 'position_based' union all select 'time_decay') as m
where (select count(*) from orders) > 0
    and m.attribution_model not in (select attribution_model from by_model)
