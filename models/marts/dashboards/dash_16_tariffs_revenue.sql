{#- Dataset of dashboard 16 « Tarifs & recettes »: tickets and revenue net of cancellations by
    season, show, performance, hall, sales channel and tariff category, with the sums every KPI of
    the dashboard is a ratio of (glossary: kpi_average_yield, kpi_discount_depth, kpi_free_share,
    kpi_revenue_per_available_seat). Money stays in thousandths (money macro), rounded once by the
    cards. A performance without any sale keeps one row (« Aucune vente ») so that its seats
    count among the available ones. -#}
with tickets as (
    select * from {{ ref('fct_tickets') }}
),

performances as (
    select * from {{ ref('dim_performances') }}
),

-- The full price of a seat category at a performance: what its « plein » tickets cost (any
-- state: a cancelled sale still tells the price grid). Unknown where no full-price ticket of
-- that category was sold: those tickets stay out of the discount depth, never compared with
-- another category's price.
full_prices as (
    select performance_id, seat_category_code, max(price_eur) as full_price_eur
    from tickets
    where tariff_category = 'plein'
    group by performance_id, seat_category_code
),

priced as (
    select
        tickets.*,
        full_prices.full_price_eur,
        not tickets.is_cancelled and tickets.price_eur > 0 as is_paid_ticket,
        not tickets.is_cancelled and tickets.price_eur = 0 as is_free_ticket
    from tickets
    left join full_prices
        on full_prices.performance_id = tickets.performance_id
        and full_prices.seat_category_code = tickets.seat_category_code
),

sales as (
    select
        performance_id,
        sales_channel,
        sales_channel_label,
        tariff_category,
        tariff_category_label,
        sum(case when not is_cancelled then 1 else 0 end) as tickets_sold,
        sum(case when is_paid_ticket then 1 else 0 end) as paid_tickets,
        sum(case when is_free_ticket then 1 else 0 end) as free_tickets,
        sum(revenue_eur) as revenue_eur,
        -- the discount depth's two sums, over paid tickets whose full price is known
        sum(case when is_paid_ticket and full_price_eur is not null then revenue_eur else 0 end)
            as revenue_at_known_full_price_eur,
        sum(case when is_paid_ticket and full_price_eur is not null then full_price_eur else 0 end)
            as full_price_value_eur
    from priced
    group by performance_id, sales_channel, sales_channel_label, tariff_category, tariff_category_label
),

rows_of_performances as (
    select
        performances.season,
        performances.show_code,
        performances.show_name,
        performances.genre,
        performances.performance_id,
        performances.performance_date,
        performances.venue_code,
        performances.venue_name,
        coalesce(sales.sales_channel, 'aucune_vente') as sales_channel,
        coalesce(sales.sales_channel_label, 'Aucune vente') as sales_channel_label,
        coalesce(sales.tariff_category, 'aucune_vente') as tariff_category,
        coalesce(sales.tariff_category_label, 'Aucune vente') as tariff_category_label,
        coalesce(sales.tickets_sold, 0) as tickets_sold,
        coalesce(sales.paid_tickets, 0) as paid_tickets,
        coalesce(sales.free_tickets, 0) as free_tickets,
        coalesce(sales.revenue_eur, 0) as revenue_eur,
        coalesce(sales.revenue_at_known_full_price_eur, 0) as revenue_at_known_full_price_eur,
        coalesce(sales.full_price_value_eur, 0) as full_price_value_eur,
        -- a performance's seats are counted once, on its first row; none for a cancelled one
        case
            when performances.is_cancelled then 0
            when row_number() over (
                partition by performances.performance_id
                order by sales.tariff_category, sales.sales_channel) = 1 then performances.capacity
            else 0
        end as available_seats
    from performances
    left join sales on sales.performance_id = performances.performance_id
),

final as (
    select
        season,
        show_code,
        show_name,
        genre,
        performance_id,
        performance_date,
        venue_code,
        venue_name,
        sales_channel,
        sales_channel_label,
        tariff_category,
        tariff_category_label,
        tickets_sold,
        paid_tickets,
        free_tickets,
        {{ money('revenue_eur') }} as revenue_eur,
        {{ money('revenue_at_known_full_price_eur') }} as revenue_at_known_full_price_eur,
        {{ money('full_price_value_eur') }} as full_price_value_eur,
        available_seats
    from rows_of_performances
)

select * from final
