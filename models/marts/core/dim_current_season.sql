{#- « The current season », as every dashboard opens on it: the season of today's date in the
    institution's time zone (var `today` to replay a day, e.g. in tests), if it has sales, else
    the latest season with sales (a warehouse whose data stopped, or a date before the data).
    One row. -#}
with seasons_with_sales as (
    select distinct season
    from {{ ref('fct_orders') }}
    where is_paid_order and not is_cancelled and season is not null
),

today as (
    select
        {{ local_today() }} as today_date,
        {{ season_of(local_today()) }} as today_season
),

final as (
    select
        today.today_date,
        today.today_season,
        coalesce(
            (select sold.season from seasons_with_sales as sold where sold.season = today.today_season),
            (select max(sold.season) from seasons_with_sales as sold)
        ) as season,
        not exists (select 1 from seasons_with_sales as sold where sold.season = today.today_season) as is_fallback
    from today
)

select
    today_date,
    today_season,
    season,
    is_fallback
from final
