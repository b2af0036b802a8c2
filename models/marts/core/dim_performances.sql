with performances as (
    select * from {{ ref('stg_secutix__performances') }}
),

tickets as (
    select * from {{ ref('fct_tickets') }}
),

sales as (
    select
        performance_id,
        sum(case when not is_cancelled then 1 else 0 end) as tickets_sold,
        sum(revenue_eur) as revenue_eur
    from tickets
    group by performance_id
),

final as (
    select
        performances.performance_id,
        performances.show_id,
        performances.show_code,
        performances.show_name,
        performances.genre,
        performances.venue_code,
        performances.venue_name,
        performances.season,
        performances.starts_at,
        performances.performance_date,
        performances.duration_min,
        performances.capacity,
        performances.is_cancelled,
        coalesce(sales.tickets_sold, 0) as tickets_sold,
        {{ money('coalesce(sales.revenue_eur, 0)') }} as revenue_eur
    from performances
    left join sales on performances.performance_id = sales.performance_id
)

select * from final
