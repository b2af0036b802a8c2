{#- Web purchases matched to ticketing orders: the transaction id the site sends to GA4 and
    Matomo is the SecuTix order (file) number. A GA4 purchase sent without its transaction id
    is matched on amount and time instead: the only online order of the same amount placed
    within 15 minutes of it. One row per web purchase (per tool), matched or not. -#}
with transactions as (
    select * from {{ ref('int_web__transactions') }}
),

orders as (
    select * from {{ ref('int_sales__orders') }}
),

by_id as (
    select transactions.transaction_key, orders.order_id, 'transaction_id' as matched_by
    from transactions
    inner join orders on orders.order_id = transactions.transaction_id
),

candidates as (
    select
        transactions.transaction_key,
        orders.order_id,
        count(*) over (partition by transactions.transaction_key) as candidate_orders
    from transactions
    inner join orders
        on orders.is_online
        and abs(orders.revenue_eur - transactions.revenue) < 0.01
        and orders.ordered_at between {{ dbt.dateadd('minute', -15, 'transactions.purchased_at') }}
                                  and {{ dbt.dateadd('minute', 15, 'transactions.purchased_at') }}
    where transactions.transaction_id is null
),

by_amount_and_time as (
    select transaction_key, order_id, 'amount_and_time' as matched_by
    from candidates
    where candidate_orders = 1
),

matches as (
    select * from by_id
    union all
    select * from by_amount_and_time
)

select
    transactions.transaction_key,
    transactions.tool,
    transactions.transaction_id,
    transactions.session_key,
    transactions.visitor_id,
    transactions.user_id,
    transactions.purchased_at,
    transactions.revenue,
    matches.order_id,
    matches.matched_by,
    matches.order_id is not null as is_matched
from transactions
left join matches on matches.transaction_key = transactions.transaction_key
