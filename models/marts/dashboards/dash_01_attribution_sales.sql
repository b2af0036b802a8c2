{#- Dataset of dashboard 1 « Attribution & Ventes »: attributed revenue, tickets and orders by
    season, day, model, channel, campaign and show. Rows of different models describe the same
    sales: every card filters one model (the dashboard's model filter, last non-direct click by
    default). `tickets` counts every ticket, attributed or not;
    `attributed_tickets` only those credited to a known touchpoint (null outside the web window). Under each model, revenue sums to the ticket revenue of paid orders (tested).
    Each row says whether its day is inside the web measurement window (`measurement_status`,
    read by the cards' `{coverage}`), and the window in words. -#}
with credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

web_window as (
    select measured_from, measured_to
    from {{ ref('int_quality__measurement_windows') }}
    where is_attribution_web_tool
)

select
    season,
    order_date,
    attribution_model,
    {{ publics.attribution_model_label('attribution_model') }} as attribution_model_label,
    channel_group,
    channel_group_label,
    is_paid_channel,
    is_attributed,
    is_web_measured,
    case when is_web_measured then 'mesuré' else 'non mesuré' end as measurement_status,
    {{ measurement_window_label('mesure web', '(select measured_from from web_window)',
                                '(select measured_to from web_window)') }} as measurement_window_label,
    coalesce(campaign, '(aucune campagne)') as campaign,
    main_show_code as show_code,
    coalesce(main_show_name, '(sans spectacle)') as show_name,
    sales_channel_label,
    is_online,
    {{ money('sum(credited_revenue_eur)') }} as revenue_eur,
    cast(sum(credited_tickets) as numeric(14, 3)) as tickets,
    -- null outside the web measurement window: « non mesuré », never 0
    cast(sum(case when is_attributed then credited_tickets when is_web_measured then 0 end) as numeric(14, 3))
        as attributed_tickets,
    cast(sum(credit) as numeric(14, 6)) as orders
from credits
group by
    season, order_date, attribution_model, channel_group, channel_group_label, is_paid_channel,
    is_attributed, is_web_measured,
    coalesce(campaign, '(aucune campagne)'), main_show_code, coalesce(main_show_name, '(sans spectacle)'),
    sales_channel_label, is_online
