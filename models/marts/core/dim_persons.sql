{#- One row per person (ticketing contacts that are the same person merged: identity
    resolution), keyed by the pseudonymous `person_key`. No direct identifier: names, e-mails,
    phones and addresses live in the restricted schema only. Golden attributes come from the
    person's most recently updated contact that has them. -#}
with identities as (
    select * from {{ ref('int_identity__contacts') }}
),

contacts as (
    select * from {{ ref('stg_secutix__contacts') }}
),

as_of as (
    select as_of_date from {{ ref('int_persons__as_of') }}
),

person_contacts as (
    select
        identities.person_key,
        identities.person_contact_id,
        identities.contacts_in_person,
        contacts.*,
        row_number() over (partition by identities.person_key order by contacts.updated_at desc, contacts.contact_id desc) as recency_rank,
        -- the most recently updated non-empty value of each attribute
        first_value(contacts.birth_year) over (
            partition by identities.person_key
            order by case when contacts.birth_year is null then 1 else 0 end, contacts.updated_at desc, contacts.contact_id desc
            rows between unbounded preceding and unbounded following) as golden_birth_year,
        first_value(contacts.postcode) over (
            partition by identities.person_key
            order by case when contacts.postcode is null then 1 else 0 end, contacts.updated_at desc, contacts.contact_id desc
            rows between unbounded preceding and unbounded following) as golden_postcode
    from identities
    inner join contacts on identities.contact_id = contacts.contact_id
),

golden as (
    select
        person_key,
        max(person_contact_id) as person_contact_id,
        max(contacts_in_person) as contacts_in_person,
        max(case when contact_id = person_contact_id then contact_type end) as contact_type,
        max(golden_birth_year) as birth_year,
        max(golden_postcode) as postcode,
        max(case when recency_rank = 1 then country_code end) as country_code,
        max(case when recency_rank = 1 then preferred_language end) as preferred_language,
        max(case when has_email then 1 else 0 end) = 1 as has_email,
        max(case when has_phone then 1 else 0 end) = 1 as has_phone,
        max(case when recency_rank = 1 and has_newsletter_opt_in then 1 else 0 end) = 1 as has_newsletter_opt_in,
        min(created_at) as known_since
    from person_contacts
    group by person_key
),

orders as (
    select * from {{ ref('fct_orders') }} where not is_cancelled and is_paid_order and buyer_person_key is not null
),

first_orders as (
    select buyer_person_key as person_key, sales_channel, sales_channel_label, ordered_at, season,
        row_number() over (partition by buyer_person_key order by ordered_at, order_id) as purchase_rank
    from orders
),

purchases as (
    select
        buyer_person_key as person_key,
        count(*) as paid_orders,
        sum(tickets_sold) as tickets_bought,
        sum(revenue_eur) as revenue_eur,
        max(order_date) as last_purchase_date
    from orders
    group by buyer_person_key
),

recent as (  -- RFM over the last three years before the as-of date
    select
        orders.buyer_person_key as person_key,
        max(orders.order_date) as last_order_date,
        count(*) as orders_3y,
        sum(orders.revenue_eur) as revenue_3y
    from orders
    cross join as_of
    where orders.order_date > {{ dbt.dateadd('year', -3, 'as_of.as_of_date') }}
        -- a person who objects to profiling is neither scored nor counted in the others' quintiles
        and {{ gdpr_not_objecting('profiling', 'orders.buyer_person_key') }}
    group by orders.buyer_person_key
),

rfm as (
    select
        person_key,
        ntile(5) over (order by last_order_date) as recency_score,
        ntile(5) over (order by orders_3y, revenue_3y) as frequency_score,
        ntile(5) over (order by revenue_3y) as monetary_score
    from recent
),

current_status as (
    select person_key, status, status_label
    from (
        select person_key, status, status_label,
            row_number() over (partition by person_key order by season desc) as season_rank
        from {{ ref('fct_person_seasons') }}
    ) as ranked
    where season_rank = 1
),

invited as (
    select distinct contacts.contact_id, invitations.invitation_category
    from {{ ref('stg_spreadsheets__invitations') }} as invitations
    inner join contacts on invitations.email_key = contacts.email_key
    where invitations.invitation_category in ('presse', 'professionnel')
),

professionals as (
    select distinct identities.person_key
    from invited inner join identities on invited.contact_id = identities.contact_id
),

zones as (
    select * from {{ ref('geo_zones') }}
),

located as (
    select
        golden.*,
        {{ publics.departement_of_postcode('golden.postcode', 'golden.country_code') }} as departement,
        {{ publics.date_part('year', 'as_of.as_of_date') }} - golden.birth_year as age
    from golden
    cross join as_of
)

select
    located.person_key,
    located.contacts_in_person,
    case
        when located.contact_type = 'STRUCTURE' then 'groupe_relais'
        when professionals.person_key is not null then 'professionnel'
        else 'individuel'
    end as buyer_type,
    located.birth_year,
    located.age,
    age_bands.age_band,
    coalesce(age_bands.age_band_label, 'Âge inconnu') as age_band_label,
    coalesce(age_bands.is_young, false) as is_young,
    located.departement,
    case
        when located.country_code <> 'FR' then 'etranger'
        when located.postcode is null then 'inconnue'
        else coalesce(zones.zone, 'reste_france')
    end as geo_zone,
    case
        when located.country_code <> 'FR' then 'Étranger'
        when located.postcode is null then 'Zone inconnue'
        else coalesce(zones.zone_label, 'Reste de la France')
    end as geo_zone_label,
    located.country_code,
    located.preferred_language,
    located.has_email,
    located.has_phone,
    located.has_newsletter_opt_in,
    located.known_since,
    first_orders.ordered_at as first_purchase_at,
    first_orders.season as first_purchase_season,
    first_orders.sales_channel as first_purchase_channel,
    first_orders.sales_channel_label as first_purchase_channel_label,
    purchases.last_purchase_date,
    coalesce(purchases.paid_orders, 0) as paid_orders,
    coalesce(purchases.tickets_bought, 0) as tickets_bought,
    {{ money('coalesce(purchases.revenue_eur, 0)') }} as revenue_eur,
    coalesce(current_status.status, 'prospect') as current_status,
    coalesce(current_status.status_label, 'Prospect') as current_status_label,
    rfm.recency_score,
    rfm.frequency_score,
    rfm.monetary_score,
    case when rfm.person_key is not null
        then cast(rfm.recency_score as {{ dbt.type_string() }}) || cast(rfm.frequency_score as {{ dbt.type_string() }})
             || cast(rfm.monetary_score as {{ dbt.type_string() }})
    end as rfm_segment
from located
left join zones on zones.departement = located.departement and located.country_code = 'FR'
left join {{ ref('age_bands') }} as age_bands on located.age between age_bands.min_age and age_bands.max_age
left join first_orders on first_orders.person_key = located.person_key and first_orders.purchase_rank = 1
left join purchases on purchases.person_key = located.person_key
left join current_status on current_status.person_key = located.person_key
left join rfm on rfm.person_key = located.person_key
left join professionals on professionals.person_key = located.person_key
