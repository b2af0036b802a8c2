-- Reconciliation with what was delivered: ticket revenue in the marts equals the raw ticketing
-- revenue, latest version of each ticket, net of cancellations, to the cent. Computed here
-- straight from raw with its own SQL (no shared model) so that a bug in staging shows up.
with raw_latest as (
    select distinct on (ticket_id)
        ticket_id, file_number, price, upper(ticket_state) as ticket_state
    from {{ source('secutix', 'tickets') }}
    order by ticket_id,
        to_timestamp(last_update, 'DD/MM/YYYY HH24:MI:SS') desc, _loaded_at desc, _source_file desc, _row_number desc
),
raw_orders as (
    select distinct on (file_number) file_number, upper(file_state) as file_state
    from {{ source('secutix', 'orders') }}
    order by file_number,
        to_timestamp(last_update, 'DD/MM/YYYY HH24:MI:SS') desc, _loaded_at desc, _source_file desc, _row_number desc
),
expected as (
    select coalesce(sum(cast(raw_latest.price as numeric) / 1000), 0) as revenue
    from raw_latest
    inner join raw_orders on raw_latest.file_number = raw_orders.file_number
    where raw_latest.ticket_state not in ('CANCELLED', 'INVALIDATED')
      and raw_orders.file_state not in ('CANCELED', 'ABANDONNED', 'NOT_SOLDED', 'TECH_ERROR')
),
actual as (
    select coalesce(sum(revenue_eur), 0) as revenue from {{ ref('fct_tickets') }}
)
select expected.revenue as raw_revenue, actual.revenue as mart_revenue
from expected cross join actual
where round(expected.revenue, 2) <> round(actual.revenue, 2)
