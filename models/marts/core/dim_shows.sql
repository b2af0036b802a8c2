{#- Shows (productions), one row per show, summed from their performances (dim_performances):
    seasons, dates, number of performances, capacity, tickets sold and revenue. Cancelled
    performances are counted apart and their capacity left out. -#}
with performances as (
    select * from {{ ref('dim_performances') }}
)

select
    show_id,
    max(show_code) as show_code,
    max(show_name) as show_name,
    max(genre) as genre,
    min(season) as first_season,
    max(season) as last_season,
    min(performance_date) as first_performance_date,
    max(performance_date) as last_performance_date,
    sum(case when is_cancelled then 0 else 1 end) as performances,
    sum(case when is_cancelled then 1 else 0 end) as cancelled_performances,
    sum(case when is_cancelled then 0 else capacity end) as capacity,
    sum(tickets_sold) as tickets_sold,
    {{ money('sum(revenue_eur)') }} as revenue_eur
from performances
group by show_id
