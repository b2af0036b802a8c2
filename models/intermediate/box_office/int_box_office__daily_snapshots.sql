{#- What was sold for each upcoming performance as known on each day: every build adds the day
    the sales are known as of (int_box_office__sales_as_of) and keeps the days before, so that a
    later exchange, refund or re-delivered export never rewrites a past day. The history cannot
    be rebuilt from the exports: `full_refresh: false` keeps it through `--full-refresh` (drop
    the table to start it again). A day built twice is replaced (delete+insert on its key). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['performance_id', 'snapshot_date'],
    on_schema_change='fail',
    full_refresh=false
) }}

with curves as (
    select * from {{ ref('int_box_office__reconstructed_curves') }}
),

as_of as (
    select as_of_date from {{ ref('int_box_office__sales_as_of') }}
),

final as (
    select
        curves.performance_id,
        curves.sales_date as snapshot_date,
        curves.days_before,
        curves.paid_tickets,
        curves.invitation_tickets,
        curves.paid_revenue_milli
    from curves
    inner join as_of on curves.sales_date = as_of.as_of_date
)

select
    performance_id,
    snapshot_date,
    days_before,
    paid_tickets,
    invitation_tickets,
    paid_revenue_milli
from final
