-- Under every attribution model, the credited revenue equals the revenue of the paid orders,
-- to the cent, and each order's credits sum to 1. Rows returned are the models that do not.
with orders as (
    select sum(revenue_eur) as revenue_eur
    from {{ ref('fct_orders') }}
    where is_paid_order and not is_cancelled
),

by_model as (
    select attribution_model, sum(credited_revenue_eur) as credited_revenue_eur
    from {{ ref('fct_attribution_credits') }}
    group by attribution_model
),

order_credits as (
    select attribution_model, order_id, sum(credit) as total_credit
    from {{ ref('fct_attribution_credits') }}
    group by attribution_model, order_id
)

select by_model.attribution_model, by_model.credited_revenue_eur, orders.revenue_eur, 'revenue' as problem
from by_model
cross join orders
where by_model.credited_revenue_eur <> orders.revenue_eur
union all
select attribution_model, null, null, 'order ' || order_id || ' credits sum to ' || cast(total_credit as varchar)
from order_credits
where abs(total_credit - 1) > 0.000001
union all
select m.attribution_model, null, null, 'model missing'
from (select 'last_non_direct' as attribution_model union all select 'first_click' union all select 'last_click'
      union all select 'linear' union all select 'position_based' union all select 'time_decay') as m
where (select count(*) from {{ ref('fct_orders') }} where is_paid_order and not is_cancelled) > 0
    and m.attribution_model not in (select attribution_model from by_model)
