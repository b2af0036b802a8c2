{#- Dataset of dashboard 13 « Géographie des publics »: buyers, attendees, new buyers and revenue
    by season, zone and département, with the département's population (seed insee_departements)
    for the penetration (glossary: kpi_penetration, kpi_new_buyer_share). One row per season and
    place: a person counts once a season, at the address of their golden record (dim_persons).
    Foreign addresses (« Étranger »), addresses without a postcode (« Code postal inconnu ») and
    sales without a known buyer (« Acheteur inconnu ») are rows of their own, never spread over
    the départements. No person key. -#}
with persons as (
    select * from {{ ref('dim_persons') }}
),

orders as (
    select * from {{ ref('fct_orders') }} where not is_cancelled
),

person_seasons as (
    select * from {{ ref('fct_person_seasons') }}
),

departements as (
    select * from {{ ref('insee_departements') }}
),

data_start as (
    select min(season) as first_season from person_seasons
),

purchases as (
    select
        buyer_person_key as person_key,
        season,
        max(case when is_paid_order then 1 else 0 end) as is_buyer,
        sum(revenue_eur) as revenue_eur
    from orders
    where buyer_person_key is not null
    group by buyer_person_key, season
),

attendance as (
    select person_key, season from person_seasons where attended_in_season
),

-- who bought or came in a season (a holder who did not buy, a buyer who gave every ticket away)
activity as (
    select
        coalesce(purchases.person_key, attendance.person_key) as person_key,
        coalesce(purchases.season, attendance.season) as season,
        coalesce(purchases.is_buyer, 0) as is_buyer,
        case when attendance.person_key is not null then 1 else 0 end as is_attendee,
        coalesce(purchases.revenue_eur, 0) as revenue_eur
    from purchases
    full outer join attendance
        on attendance.person_key = purchases.person_key and attendance.season = purchases.season
),

located as (
    select
        activity.season,
        case when persons.geo_zone = 'inconnue' then 'code_postal_inconnu' else persons.geo_zone end as geo_zone,
        case when persons.geo_zone = 'inconnue' then 'Code postal inconnu' else persons.geo_zone_label end
            as geo_zone_label,
        persons.departement,
        activity.is_buyer,
        activity.is_attendee,
        -- a new buyer's first purchase is in this season; the data's first season cannot tell
        case
            when activity.season = data_start.first_season then null
            when activity.is_buyer = 1 and persons.first_purchase_season = activity.season then 1
            else 0
        end as is_new_buyer,
        activity.revenue_eur
    from activity
    inner join persons on persons.person_key = activity.person_key
    cross join data_start
),

anonymous_sales as (  -- revenue of orders without a known buyer: counted apart, no person
    select
        season,
        'acheteur_inconnu' as geo_zone,
        'Acheteur inconnu' as geo_zone_label,
        cast(null as {{ dbt.type_string() }}) as departement,
        0 as is_buyer,
        0 as is_attendee,
        cast(null as integer) as is_new_buyer,
        revenue_eur
    from orders
    where buyer_person_key is null
),

places as (
    select * from located
    union all
    select * from anonymous_sales
),

by_place as (
    select
        season,
        geo_zone,
        geo_zone_label,
        departement,
        sum(is_buyer) as buyers,
        sum(is_attendee) as attendees,
        sum(is_new_buyer) as new_buyers,
        sum(revenue_eur) as revenue_eur
    from places
    group by season, geo_zone, geo_zone_label, departement
),

final as (
    select
        by_place.season,
        by_place.geo_zone,
        by_place.geo_zone_label,
        by_place.departement,
        coalesce(departements.departement_name, by_place.departement, by_place.geo_zone_label) as departement_name,
        by_place.buyers,
        by_place.attendees,
        by_place.new_buyers,
        -- the new buyers' base: buyers of a season whose previous one is in the data
        case when by_place.new_buyers is null then null else by_place.buyers end as buyers_after_first_season,
        {{ money('by_place.revenue_eur') }} as revenue_eur,
        departements.population,
        departements.population_vintage,
        -- the penetration's numerator: buyers where the population is known
        case when departements.population is not null then by_place.buyers else 0 end as buyers_in_known_population
    from by_place
    left join departements on departements.departement = by_place.departement
)

select * from final
