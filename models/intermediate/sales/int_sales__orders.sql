{#- One row per ticketing order (latest version), with its buyer (pseudonymous person key),
    channel and totals. Revenue is the sum of its tickets' `revenue_eur` (defined once, in
    int_sales__tickets). A "paid order" has a positive revenue: invitations are not purchases.
    The orders every later step reads (web matching, attribution paths, persons' seasons) and
    the mart fct_orders publishes. -#}
with orders as (
    select * from {{ ref('stg_secutix__orders') }}
),

tickets as (
    select * from {{ ref('int_sales__tickets') }}
),

identities as (
    select contact_id, person_key from {{ ref('int_identity__contacts') }}
),

originators as (
    select * from {{ ref('secutix_order_originators') }}
),

ticket_totals as (
    select
        order_id,
        sum(case when is_cancelled then 0 else 1 end) as tickets_sold,
        sum(revenue_eur) as revenue_eur,
        max(case when tariff_category = 'abonne' then 1 else 0 end) = 1 as has_subscription_tickets,
        max(case when tariff_category = 'jeune' then 1 else 0 end) = 1 as has_youth_tickets,
        count(distinct performance_id) as performances,
        min(performance_date) as first_performance_date,
        max(season) as season_of_performances
    from tickets
    group by order_id
),

-- the show an order is for: the one bringing most of its revenue (a subscription spans several)
main_shows as (
    select order_id, show_code, show_name
    from (
        select order_id, show_code, show_name,
            row_number() over (partition by order_id order by sum(price_eur) desc, show_code) as show_rank
        from tickets
        group by order_id, show_code, show_name
    ) as ranked
    where show_rank = 1
)

select
    orders.order_id,
    orders.ordered_at,
    orders.order_date,
    coalesce(ticket_totals.season_of_performances, orders.season) as season,
    orders.season as order_season,
    orders.order_originator,
    coalesce(originators.sales_channel, 'unknown') as sales_channel,
    coalesce(originators.sales_channel_label, 'Non renseigné') as sales_channel_label,
    coalesce(originators.is_online, false) as is_online,
    identities.person_key as buyer_person_key,
    orders.is_cancelled,
    coalesce(ticket_totals.tickets_sold, 0) as tickets_sold,
    {{ money('coalesce(ticket_totals.revenue_eur, 0)') }} as revenue_eur,
    coalesce(ticket_totals.revenue_eur, 0) > 0 as is_paid_order,
    coalesce(ticket_totals.has_subscription_tickets, false)
        or coalesce(originators.sales_channel, '') = 'subscription' as is_subscription,
    coalesce(ticket_totals.has_youth_tickets, false) as has_youth_tickets,
    coalesce(ticket_totals.performances, 0) as performances,
    ticket_totals.first_performance_date,
    main_shows.show_code as main_show_code,
    main_shows.show_name as main_show_name
from orders
left join ticket_totals on orders.order_id = ticket_totals.order_id
left join main_shows on orders.order_id = main_shows.order_id
left join originators on orders.order_originator = originators.order_originator
left join identities on orders.buyer_contact_id = identities.contact_id
