{#- The sales curve of each performance, D-180 … D0: on a day with a daily snapshot, what was
    known that day (int_box_office__daily_snapshots); before the first snapshot, the curve
    rebuilt from the sale and cancellation dates (int_box_office__reconstructed_curves).
    `curve_source` says which, day by day. -#}
with reconstructed as (
    select * from {{ ref('int_box_office__reconstructed_curves') }}
),

snapshots as (
    select * from {{ ref('int_box_office__daily_snapshots') }}
),

final as (
    select
        reconstructed.performance_id,
        reconstructed.days_before,
        reconstructed.sales_date,
        coalesce(snapshots.paid_tickets, reconstructed.paid_tickets) as paid_tickets,
        coalesce(snapshots.invitation_tickets, reconstructed.invitation_tickets) as invitation_tickets,
        coalesce(snapshots.paid_revenue_milli, reconstructed.paid_revenue_milli) as paid_revenue_milli,
        case when snapshots.performance_id is null then 'reconstruit' else 'instantané' end as curve_source
    from reconstructed
    left join snapshots
        on reconstructed.performance_id = snapshots.performance_id
        and reconstructed.sales_date = snapshots.snapshot_date
)

select
    performance_id,
    days_before,
    sales_date,
    paid_tickets,
    invitation_tickets,
    paid_revenue_milli,
    curve_source
from final
