{#- Dataset of dashboard 8 « Nouveaux publics »: who comes for the first time, from where, and do
    they return? One row per cohort month (month of the first paid purchase), season, show and
    channel of that purchase, zone, age band on the day of it and cohort status, counting the
    new buyers (first paid purchase in the data) and, among those whose 12 months are over, how
    many came back with another paid order within 12 months (int_persons__purchases).
    `cohort_status`: 'mesurable' (12 months over), 'trop récent' (not yet: the return counts are
    null, never 0, and `judgeable_from` says from when) or 'non mesuré' (first season of the
    data: its buyers may have bought before the history delivered, every count null). No
    individual row. -#}
with purchases as (
    select * from {{ ref('int_persons__purchases') }}
    where is_first_purchase
),

persons as (
    select person_key, geo_zone_label from {{ ref('dim_persons') }}
),

firsts as (
    select
        purchases.season,
        {{ dbt.date_trunc('month', 'purchases.order_date') }} as cohort_month,
        coalesce(purchases.main_show_name, '(sans spectacle)') as show_name,
        purchases.sales_channel_label,
        coalesce(persons.geo_zone_label, 'Zone inconnue') as geo_zone_label,
        purchases.age_band_label_at_purchase as age_band_label,
        case
            when not purchases.is_history_known then 'non mesuré'
            when purchases.is_return_judgeable then 'mesurable'
            else 'trop récent'
        end as cohort_status,
        purchases.is_history_known,
        purchases.returned_within_12_months,
        purchases.judgeable_on
    from purchases
    left join persons on persons.person_key = purchases.person_key
)

select
    season,
    cast(cohort_month as date) as cohort_month,
    show_name,
    sales_channel_label,
    geo_zone_label,
    age_band_label,
    cohort_status,
    -- the sums are null where the status says the count cannot be known (sum over nulls is null)
    sum(case when is_history_known then 1 end) as new_buyers,
    sum(case when cohort_status = 'mesurable' then 1 end) as new_buyers_judgeable,
    sum(case when cohort_status = 'mesurable' then (case when returned_within_12_months then 1 else 0 end) end)
        as new_buyers_returned_12m,
    sum(case when cohort_status = 'trop récent' then 1 end) as new_buyers_too_recent,
    min(case when cohort_status = 'trop récent' then judgeable_on end) as judgeable_from
from firsts
group by season, cohort_month, show_name, sales_channel_label, geo_zone_label, age_band_label, cohort_status
