{#- The list of persons marketing may solicit (the base of every exported target list: a
    segment, the subscribers at risk…): the persons of dim_persons minus those who object to
    marketing (GDPR art. 21: a request recorded by `publics gdpr object` or SecuTix's opt-out),
    through the one macro `gdpr_not_objecting`. Pseudonymous: the addresses a campaign needs
    are joined in `restricted` by whoever sends it. -#}
with persons as (
    select * from {{ ref('dim_persons') }}
)

select
    person_key,
    buyer_type,
    current_status,
    current_status_label,
    rfm_segment,
    age_band_label,
    geo_zone_label,
    has_email,
    has_newsletter_opt_in,
    last_purchase_date
from persons
where {{ gdpr_not_objecting('marketing', 'persons.person_key') }}
