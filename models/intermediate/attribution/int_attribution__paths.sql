{#- The path of each paid order: its buyer's touchpoints within the lookback window (var
    attribution_lookback_days, 30) up to the order, numbered from the first. An order with no
    touchpoint (box office, phone, distributor, or a web buyer never seen) has no row here and
    is credited to « Hors web / non attribué ». -#}
with orders as (
    select * from {{ ref('int_sales__orders') }}
    where is_paid_order and not is_cancelled and buyer_person_key is not null
),

touchpoints as (
    select * from {{ ref('int_attribution__touchpoints') }}
),

in_window as (
    select
        orders.order_id,
        orders.ordered_at,
        touchpoints.*,
        -- dbt's datediff in seconds compiles to one line of 150 characters
        {{ dbt.datediff('touchpoints.touched_at', 'orders.ordered_at', 'second') }} / 3600.0  -- noqa: LT05
            as hours_before_order
    from orders
    inner join touchpoints
        on touchpoints.person_key = orders.buyer_person_key
        and touchpoints.touched_at <= orders.ordered_at
        and touchpoints.touched_at > {{ dbt.dateadd('day', '-' ~ var('attribution_lookback_days', 30), 'orders.ordered_at') }}
)

select
    in_window.*,
    row_number() over (partition by order_id order by touched_at, touchpoint_key) as position,
    count(*) over (partition by order_id) as path_length
from in_window
