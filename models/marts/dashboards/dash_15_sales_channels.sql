{#- Dataset of dashboard 15 « Canaux de vente »: tickets and revenue, net of cancellations,
    by season, sale date, show, sales channel and tariff category. Every measure is additive:
    shares (online share, unknown-holder share) are ratios of sums over the rows filtered. -#}
with tickets as (
    select * from {{ ref('fct_tickets') }}
),

final as (
    select
        season,
        order_date as sale_date,
        show_code,
        show_name,
        genre,
        sales_channel,
        sales_channel_label,
        is_online,
        tariff_category,
        tariff_category_label,
        sum(case when not is_cancelled then 1 else 0 end) as tickets_sold,
        sum(case when not is_cancelled and not has_known_holder then 1 else 0 end) as tickets_unknown_holder,
        sum(case when is_cancelled then 1 else 0 end) as tickets_cancelled,
        {{ money('sum(revenue_eur)') }} as revenue_eur
    from tickets
    group by
        season, order_date, show_code, show_name, genre, sales_channel, sales_channel_label,
        is_online, tariff_category, tariff_category_label
)

select * from final
