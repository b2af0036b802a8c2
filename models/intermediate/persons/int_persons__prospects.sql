{#- Every ticketing person who has been a prospect — known to the house before any purchase —
    with how the house came to know them (seed prospect_origins: the origin of smallest priority
    among those the data show), whether and when they bought, and, for those still prospects,
    their retention dates. « Last contact » and the 3-year limit are int_gdpr__retention_status's
    (a click counts, an open does not: one definition, the purge's). A person whose first paid
    purchase comes less than `prospect_conversion_min_days` days after they became known (the
    account created at checkout) was never a prospect. Persons known only to the e-mailing tool
    (no SecuTix contact) are not here: their address is the tool's, which re-engages them itself. -#}
with contacts as (
    select contact_id, contact_type, email_key, has_newsletter_opt_in, created_at
    from {{ ref('stg_secutix__contacts') }}
),

identities as (
    select contact_id, person_key from {{ ref('int_identity__contacts') }}
),

email_persons as (
    select email_key, person_key from {{ ref('int_identity__email_persons') }}
),

origins as (
    select origin, origin_label, priority from {{ ref('prospect_origins') }}
),

persons as (
    select
        identities.person_key,
        min({{ local_date('contacts.created_at') }}) as known_since_date
    from identities
    inner join contacts on contacts.contact_id = identities.contact_id
    group by identities.person_key
),

first_purchases as (
    select buyer_person_key as person_key, min(order_date) as first_purchase_date
    from {{ ref('int_sales__orders') }}
    where is_paid_order and not is_cancelled and buyer_person_key is not null
    group by buyer_person_key
),

prospects as (
    select
        persons.person_key,
        persons.known_since_date,
        first_purchases.first_purchase_date
    from persons
    left join first_purchases on first_purchases.person_key = persons.person_key
    where first_purchases.first_purchase_date is null
        or persons.known_since_date is null
        or first_purchases.first_purchase_date
            >= cast({{ dbt.dateadd('day', var('prospect_conversion_min_days'), 'persons.known_since_date') }} as date)
),

{# The evidence of each origin, one row per person and origin shown (before the first purchase). -#}
evidence as (
    select identities.person_key, 'groupe_relais' as origin
    from contacts
    inner join identities on identities.contact_id = contacts.contact_id
    where contacts.contact_type = 'STRUCTURE'
    union
    select email_persons.person_key, 'invitation' as origin
    from {{ ref('stg_spreadsheets__invitations') }} as invitations
    inner join email_persons on email_persons.email_key = invitations.email_key
    inner join prospects on prospects.person_key = email_persons.person_key
    where prospects.first_purchase_date is null or invitations.performance_date < prospects.first_purchase_date
    union
    -- the invitation as the box office issues it: free tickets (tariff « exonéré / invitation »)
    select tickets.buyer_person_key as person_key, 'invitation' as origin
    from {{ ref('int_sales__tickets') }} as tickets
    inner join prospects on prospects.person_key = tickets.buyer_person_key
    where tickets.tariff_category = 'exonere' and not tickets.is_cancelled
        and (prospects.first_purchase_date is null or tickets.order_date < prospects.first_purchase_date)
    union
    select identities.person_key, 'inscription_newsletter' as origin
    from contacts
    inner join identities on identities.contact_id = contacts.contact_id
    where contacts.has_newsletter_opt_in
    union
    select email_persons.person_key, 'inscription_newsletter' as origin
    from {{ ref('stg_emailing__brevo_contacts') }} as brevo
    inner join email_persons on email_persons.email_key = brevo.email_key
    union
    select email_persons.person_key, 'inscription_newsletter' as origin
    from {{ ref('stg_emailing__mailchimp_members') }} as members
    inner join email_persons on email_persons.email_key = members.email_key
),

ranked as (
    select
        evidence.person_key,
        origins.origin,
        row_number() over (partition by evidence.person_key order by origins.priority) as origin_rank
    from evidence
    inner join origins on origins.origin = evidence.origin
),

retention as (
    select subject_key, rule_id, last_contact_on, retained_until, reference_date
    from {{ ref('int_gdpr__retention_status') }}
    where subject_kind = 'person'
),

final as (
    select
        prospects.person_key,
        coalesce(ranked.origin, 'compte_web') as prospect_origin,
        origins.origin_label as prospect_origin_label,
        prospects.known_since_date,
        prospects.first_purchase_date,
        prospects.first_purchase_date is not null as is_converted,
        {{ dbt.datediff('prospects.known_since_date', 'prospects.first_purchase_date', 'day') }} as conversion_delay_days,  -- noqa: LT05
        -- still a prospect: the retention rule is the prospects' (3 years from the last contact)
        case when prospects.first_purchase_date is null then retention.last_contact_on end as last_contact_on,
        case when prospects.first_purchase_date is null then retention.retained_until end as retained_until,
        coalesce(
            prospects.first_purchase_date is null
            and retention.retained_until > retention.reference_date
            and retention.retained_until <= cast({{ dbt.dateadd('month', var('prospect_retention_warning_months'),
                'retention.reference_date') }} as date),
            false) as is_near_retention_limit
    from prospects
    left join ranked on ranked.person_key = prospects.person_key and ranked.origin_rank = 1
    inner join origins on origins.origin = coalesce(ranked.origin, 'compte_web')
    left join retention on retention.subject_key = prospects.person_key
)

select * from final
