{#- Dataset of dashboard 14 « Profil des publics »: the people known at the end of each season
    (fct_person_seasons) counted by status, age band, buyer type and acquisition channel, with
    what their profile holds (e-mail, postcode, birth year, newsletter opt-in), and the group
    purchases of the season. Additive counts only: every share is a ratio of sums over the rows
    filtered (glossary: kpi_profile_email_share…, kpi_young_share). No person key, and no
    minimum cell size: see DECISIONLOG « Profiles: counts without small-cell suppression ». -#}
with person_seasons as (
    select * from {{ ref('fct_person_seasons') }}
),

persons as (
    select * from {{ ref('dim_persons') }}
),

orders as (
    select * from {{ ref('fct_orders') }} where not is_cancelled and is_paid_order and buyer_person_key is not null
),

tickets as (
    select * from {{ ref('fct_tickets') }} where not is_cancelled and tariff_category = 'groupe'
),

group_orders as (  -- an order with at least one ticket at the group tariff
    select distinct order_id from tickets
),

purchases as (
    select
        orders.buyer_person_key as person_key,
        orders.season,
        count(*) as paid_orders,
        sum(case when group_orders.order_id is not null then 1 else 0 end) as group_orders
    from orders
    left join group_orders on group_orders.order_id = orders.order_id
    group by orders.buyer_person_key, orders.season
),

final as (
    select
        person_seasons.season,
        person_seasons.status,
        person_seasons.status_label,
        coalesce(persons.age_band, 'inconnu') as age_band,
        persons.age_band_label,
        persons.is_young,
        persons.buyer_type,
        coalesce(persons.first_purchase_channel_label, 'Aucun achat') as acquisition_channel_label,
        count(*) as persons,
        sum(case when purchases.paid_orders > 0 then 1 else 0 end) as buyers,
        sum(case when purchases.paid_orders > 0 and persons.is_young then 1 else 0 end) as young_buyers,
        sum(case when purchases.paid_orders > 0 and persons.age_band is not null then 1 else 0 end)
            as buyers_with_known_age,
        sum(case when person_seasons.is_subscriber then 1 else 0 end) as subscribers,
        sum(coalesce(purchases.paid_orders, 0)) as paid_orders,
        sum(coalesce(purchases.group_orders, 0)) as group_orders,
        sum(case when persons.has_email then 1 else 0 end) as persons_with_email,
        sum(case when persons.geo_zone <> 'inconnue' then 1 else 0 end) as persons_with_postcode,
        sum(case when persons.birth_year is not null then 1 else 0 end) as persons_with_birth_year,
        sum(case when persons.has_newsletter_opt_in then 1 else 0 end) as persons_with_opt_in,
        -- the same, among the season's buyers
        sum(case when purchases.paid_orders > 0 and persons.has_email then 1 else 0 end) as buyers_with_email,
        sum(case when purchases.paid_orders > 0 and persons.geo_zone <> 'inconnue' then 1 else 0 end)
            as buyers_with_postcode,
        sum(case when purchases.paid_orders > 0 and persons.birth_year is not null then 1 else 0 end)
            as buyers_with_birth_year,
        sum(case when purchases.paid_orders > 0 and persons.has_newsletter_opt_in then 1 else 0 end)
            as buyers_with_opt_in
    from person_seasons
    inner join persons on persons.person_key = person_seasons.person_key
    left join purchases
        on purchases.person_key = person_seasons.person_key and purchases.season = person_seasons.season
    group by
        person_seasons.season, person_seasons.status, person_seasons.status_label,
        coalesce(persons.age_band, 'inconnu'), persons.age_band_label, persons.is_young, persons.buyer_type,
        coalesce(persons.first_purchase_channel_label, 'Aucun achat')
)

select * from final
