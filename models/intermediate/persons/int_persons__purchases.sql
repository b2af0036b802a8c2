{#- One row per paid purchase (a paid order not cancelled, with a known buyer), ranked in the
    buyer's history, with the buyer's age on the day of the purchase (a buyer who turns 28
    mid-season is young for what they bought before their birthday only) and, on each buyer's
    first purchase, whether they came back: another paid order placed after the day of the first
    and within 12 months of it (var `return_window_months`). A first purchase less than 12
    months before the as-of date cannot be judged yet: « trop récent », null, never « not
    returned ». A first purchase in the first season of the data may not be the first ever (the
    history before it is not delivered): `is_history_known` is false there. Dashboards 7 and 8. -#}
{%- set months = var('return_window_months', 12) -%}
with orders as (
    select * from {{ ref('int_sales__orders') }}
    where is_paid_order and not is_cancelled and buyer_person_key is not null
),

birth_dates as (
    select * from {{ ref('int_persons__birth_dates') }}
),

as_of as (
    select as_of_date from {{ ref('int_persons__as_of') }}
),

data_start as (
    select min(season) as first_season from orders
),

ranked as (
    select
        orders.order_id,
        orders.buyer_person_key as person_key,
        orders.season,
        orders.ordered_at,
        orders.order_date,
        orders.sales_channel,
        orders.sales_channel_label,
        orders.is_online,
        orders.main_show_code,
        orders.main_show_name,
        row_number() over (partition by orders.buyer_person_key order by orders.ordered_at, orders.order_id)
            as purchase_rank,
        row_number() over (partition by orders.buyer_person_key, orders.season order by orders.ordered_at, orders.order_id)
            as season_purchase_rank
    from orders
),

firsts as (
    select person_key, order_date as first_purchase_date
    from ranked
    where purchase_rank = 1
),

-- the first paid order after the day of the first purchase
returns as (
    select ranked.person_key, min(ranked.order_date) as next_purchase_date
    from ranked
    inner join firsts on firsts.person_key = ranked.person_key
    where ranked.order_date > firsts.first_purchase_date
    group by ranked.person_key
),

aged as (
    select
        ranked.*,
        {{ publics.age_on('birth_dates.birth_date', 'ranked.order_date') }} as age_at_purchase,
        firsts.first_purchase_date,
        returns.next_purchase_date,
        cast({{ dbt.dateadd('month', months, 'firsts.first_purchase_date') }} as date) as judgeable_on
    from ranked
    inner join firsts on firsts.person_key = ranked.person_key
    left join birth_dates on birth_dates.person_key = ranked.person_key
    left join returns on returns.person_key = ranked.person_key
)

select
    aged.order_id,
    aged.person_key,
    aged.season,
    aged.ordered_at,
    aged.order_date,
    aged.sales_channel,
    aged.sales_channel_label,
    aged.is_online,
    aged.main_show_code,
    aged.main_show_name,
    aged.purchase_rank,
    aged.purchase_rank = 1 as is_first_purchase,
    aged.season_purchase_rank = 1 as is_first_purchase_of_season,
    aged.season > data_start.first_season as is_history_known,
    aged.age_at_purchase,
    age_bands.age_band as age_band_at_purchase,
    coalesce(age_bands.age_band_label, 'Âge inconnu') as age_band_label_at_purchase,
    -- null when the age is unknown: neither young nor not
    age_bands.is_young as is_young_at_purchase,
    aged.first_purchase_date,
    aged.judgeable_on,
    aged.judgeable_on <= as_of.as_of_date as is_return_judgeable,
    case
        when aged.purchase_rank <> 1 or aged.judgeable_on > as_of.as_of_date then null
        else coalesce(aged.next_purchase_date <= aged.judgeable_on, false)
    end as returned_within_12_months
from aged
cross join as_of
cross join data_start
left join {{ ref('age_bands') }} as age_bands
    on aged.age_at_purchase between age_bands.min_age and age_bands.max_age
