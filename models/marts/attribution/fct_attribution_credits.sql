{#- Attribution credits: for every paid order and every model, the share of the order credited
    to each touchpoint of its path (int_attribution__paths), side by side:
    - last_non_direct: all to the last touchpoint that is not Direct (the last one if all are);
    - last_click / first_click: all to the last / first touchpoint;
    - linear: equal shares;
    - position_based: 40 % first, 40 % last, 20 % shared by the middle (50/50 with two);
    - time_decay: weights halving every attribution_half_life_days (7) before the order.
    Only an order placed inside the web measurement window (the attribution web tool's window,
    int_quality__measurement_windows) has its path credited: before web analytics started, the
    path misses its sessions, and crediting what was seen (e-mail clicks) would make e-mail the
    whole mix. An order without credited path goes, under every model, to « Hors web » (not a
    web-shop order: box office, phone, resellers…), « Non attribué (web) » (an online order
    inside the window, no touchpoint seen) or « Non mesuré (web) » (an online order outside it).
    The order's revenue (in thousandths of a euro, not rounded) and its tickets (in thousandths)
    are split by the credits with the largest remainder method (macro exact_split): under
    every model they sum to the orders' revenue and tickets exactly (tests/dbt). -#}
{%- set models = ['last_non_direct', 'first_click', 'last_click', 'linear', 'position_based', 'time_decay'] -%}
with web_window as (
    select measured_from, measured_to
    from {{ ref('int_quality__measurement_windows') }}
    where is_attribution_web_tool
),

orders as (
    select
        paid.*,
        {{ is_in_window('paid.order_date', 'web_window.measured_from', 'web_window.measured_to') }} as is_web_measured
    from {{ ref('fct_orders') }} as paid
    left join web_window on true
    where paid.is_paid_order and not paid.is_cancelled
),

-- the paths of the orders inside the web window only
paths as (
    select all_paths.*
    from {{ ref('int_attribution__paths') }} as all_paths
    inner join orders on orders.order_id = all_paths.order_id
    where orders.is_web_measured
),

attribution_models as (
    {% for m in models %}
    select '{{ m }}' as attribution_model
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

last_non_direct as (
    select order_id, max(case when channel_group <> 'Direct' then position end) as position
    from paths
    group by order_id
),

weighted as (
    select
        paths.*,
        attribution_models.attribution_model,
        case attribution_models.attribution_model
            when 'last_click' then case when paths.position = paths.path_length then 1.0 else 0.0 end
            when 'first_click' then case when paths.position = 1 then 1.0 else 0.0 end
            when 'last_non_direct' then
                case when paths.position = coalesce(last_non_direct.position, paths.path_length) then 1.0 else 0.0 end
            when 'linear' then 1.0 / paths.path_length
            when 'position_based' then
                case
                    when paths.path_length = 1 then 1.0
                    when paths.path_length = 2 then 0.5
                    when paths.position in (1, paths.path_length) then 0.4
                    else 0.2 / (paths.path_length - 2)
                end
            when 'time_decay' then
                power(0.5, paths.hours_before_order / (24.0 * {{ var('attribution_half_life_days', 7) }}))
        end as weight
    from paths
    cross join attribution_models
    inner join last_non_direct on last_non_direct.order_id = paths.order_id
),

credited_touchpoints as (
    select
        order_id,
        attribution_model,
        touchpoint_key,
        touchpoint_type,
        touched_at,
        position,
        path_length,
        source,
        medium,
        campaign,
        channel_group,
        cast(weight / sum(weight) over (partition by order_id, attribution_model) as numeric(12, 10)) as credit
    from weighted
    where weight > 0
),

unattributed as (
    select
        orders.order_id,
        attribution_models.attribution_model,
        cast(null as {{ dbt.type_string() }}) as touchpoint_key,
        case
            when not orders.is_online then 'hors_web'
            when orders.is_web_measured then 'non_attribue'
            else 'non_mesure'
        end as touchpoint_type,
        cast(null as {{ dbt.type_timestamp() }}) as touched_at,
        1 as position,
        0 as path_length,
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as medium,
        cast(null as {{ dbt.type_string() }}) as campaign,
        case
            when not orders.is_online then 'Hors web'
            when orders.is_web_measured then 'Unassigned'
            else 'Not measured'
        end as channel_group,
        cast(1 as numeric(12, 10)) as credit
    from orders
    cross join attribution_models
    where not exists (select 1 from paths where paths.order_id = orders.order_id)
),

credits as (
    select * from credited_touchpoints
    union all
    select * from unattributed
),

allocated as (
    select
        credits.*,
        orders.revenue_eur as order_revenue_eur,
        orders.tickets_sold as order_tickets
    from credits
    inner join orders on orders.order_id = credits.order_id
),

-- the order's revenue in thousandths and its tickets in thousandths of a ticket,
-- each split exactly
split_revenue as (
    {{ exact_split('allocated', 'order_revenue_eur', 'credit', ['order_id', 'attribution_model'],
                   'position desc, touchpoint_key asc', 3, 'credited_revenue_eur') }}
),

split_tickets as (
    {{ exact_split('split_revenue', 'order_tickets', 'credit', ['order_id', 'attribution_model'],
                   'position desc, touchpoint_key asc', 3, 'credited_tickets') }}
)

select
    {{ publics.surrogate_key(['allocated.order_id', 'allocated.attribution_model', 'allocated.touchpoint_key']) }} as credit_key,
    allocated.order_id,
    allocated.attribution_model,
    allocated.touchpoint_key,
    allocated.touchpoint_type,
    allocated.touched_at,
    allocated.position,
    allocated.path_length,
    allocated.source,
    allocated.medium,
    allocated.campaign,
    {{ campaign_part('allocated.campaign', 'show') }} as campaign_show,
    {{ campaign_part('allocated.campaign', 'objective') }} as campaign_objective,
    allocated.channel_group,
    coalesce(channel_groups.channel_group_label, allocated.channel_group) as channel_group_label,
    coalesce(channel_groups.is_paid, false) as is_paid_channel,
    allocated.touchpoint_key is not null as is_attributed,
    orders.is_web_measured,
    allocated.credit,
    cast(allocated.credited_revenue_eur as numeric(14, 3)) as credited_revenue_eur,
    cast(allocated.credited_tickets as numeric(14, 3)) as credited_tickets,
    orders.ordered_at,
    orders.order_date,
    orders.season,
    orders.sales_channel,
    orders.sales_channel_label,
    orders.is_online,
    orders.main_show_code,
    orders.main_show_name,
    orders.buyer_person_key
from split_tickets as allocated
inner join orders on orders.order_id = allocated.order_id
left join {{ ref('channel_groups') }} as channel_groups on channel_groups.channel_group = allocated.channel_group
