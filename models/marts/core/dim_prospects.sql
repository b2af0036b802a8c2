{#- The prospects of the ticketing (persons known before any purchase, int_persons__prospects),
    with their segments: the people dashboard 9 counts and the list `publics audiences export
    prospects-a-relancer` reads (those near the 3-year retention limit). Pseudonymous. -#}
with prospects as (
    select * from {{ ref('int_persons__prospects') }}
),

persons as (
    select person_key, buyer_type, age_band_label, geo_zone_label from {{ ref('dim_persons') }}
),

final as (
    select
        prospects.person_key,
        prospects.prospect_origin,
        prospects.prospect_origin_label,
        persons.buyer_type,
        persons.age_band_label,
        persons.geo_zone_label,
        prospects.known_since_date,
        prospects.first_purchase_date,
        prospects.is_converted,
        prospects.conversion_delay_days,
        prospects.last_contact_on,
        prospects.retained_until,
        prospects.is_near_retention_limit
    from prospects
    inner join persons on persons.person_key = prospects.person_key
)

select * from final
