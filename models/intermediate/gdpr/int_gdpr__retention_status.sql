{#- The retention status of every person the warehouse holds (seed gdpr_retention_rules, CNIL's
    reference for commercial management): a ticketing person (its contacts merged) or an e-mail
    address no ticketing contact has (e-mailing only). A client (at least one order) is kept 3
    years from the end of the relationship (last order, or end of the last subscribed season); a
    prospect 3 years from the last contact coming from the person (a click, an order, a form: the
    SecuTix account or the Brevo sign-up; a performance they held a ticket for); an e-mail open
    is not a contact. Someone with no contact
    at all counts from the day the warehouse first saw them. Reference day: `local_today()` (var
    `today` / PUBLICS_TODAY), so that a replay or the demo is read at its own date. -#}
{%- set season_months = 12 -%}
with rules as (
    select rule_id, retention_months from {{ ref('gdpr_retention_rules') }}
),

contacts as (
    select
        identities.person_key,
        contacts.email_key,
        {{ local_date('contacts.created_at') }} as created_on
    from {{ ref('stg_secutix__contacts') }} as contacts
    inner join {{ ref('int_identity__contacts') }} as identities on identities.contact_id = contacts.contact_id
),

email_persons as (
    select email_key, person_key from {{ ref('int_identity__email_persons') }}
),

{# Per address and kind, its first and last moment: the subjects below need no more of the
    e-mailing (its earliest day, and its latest contact), and the activity has millions of rows
    (a local date per row, then a join per row, cost more than the rest of the model). The
    local date of the first and last moment is the first and last local date. -#}
emailing_moments as (
    select
        email_key,
        case when action = 'click' then 'click' when action = 'signup' then 'form' else 'open_or_other' end as kind,
        min(occurred_at) as first_at,
        max(occurred_at) as last_at
    from {{ ref('stg_emailing__mailchimp_email_activity') }}
    where email_key is not null
    group by email_key, kind
    union all
    select email_key, 'form' as kind, min(added_at) as first_at, max(added_at) as last_at
    from {{ ref('stg_emailing__brevo_contacts') }}
    where email_key is not null
    group by email_key
),

emailing as (
    select email_key, kind, {{ local_date('first_at') }} as activity_on from emailing_moments
    union all
    select email_key, kind, {{ local_date('last_at') }} as activity_on from emailing_moments
),

{# Every dated event, on its subject: the person when the address belongs to one, else the address. -#}
events as (
    select person_key as subject_key, 'person' as subject_kind, 'form' as kind, created_on as event_on
    from contacts
    union all
    select identities.person_key as subject_key, 'person' as subject_kind, 'order' as kind, orders.order_date as event_on
    from {{ ref('stg_secutix__orders') }} as orders
    inner join {{ ref('int_identity__contacts') }} as identities on identities.contact_id = orders.buyer_contact_id
    union all
    -- a ticket the person holds (bought for them by someone else, an invitation…): the
    -- performance they came to is a contact of theirs, so a holder is not purged as a silent
    -- prospect while their seat is still being used (nor the day before their order arrives)
    select
        identities.person_key as subject_key, 'person' as subject_kind, 'attendance' as kind,
        coalesce({{ local_date('performances.starts_at') }}, {{ local_date('tickets.updated_at') }}) as event_on
    from {{ ref('stg_secutix__tickets') }} as tickets
    inner join {{ ref('int_identity__contacts') }} as identities on identities.contact_id = tickets.holder_contact_id
    left join {{ ref('stg_secutix__performances') }} as performances
        on performances.performance_id = tickets.performance_id
    where not tickets.is_cancelled
    union all
    select
        person_key as subject_key,
        'person' as subject_kind,
        'subscription_end' as kind,
        {{ dbt.dateadd('day', -1, dbt.dateadd('month', season_months, publics.season_start_date('season'))) }} as event_on
    from {{ ref('int_persons__seasons') }}
    where is_subscriber
    union all
    select
        coalesce(email_persons.person_key, emailing.email_key) as subject_key,
        case when email_persons.person_key is not null then 'person' else 'email' end as subject_kind,
        emailing.kind,
        emailing.activity_on as event_on
    from emailing
    left join email_persons on email_persons.email_key = emailing.email_key
),

subjects as (
    select
        subject_key,
        max(subject_kind) as subject_kind,
        count(case when kind = 'order' then 1 end) > 0 as is_client,
        min(event_on) as first_seen_on,
        max(case when kind in ('click', 'order', 'form', 'attendance') then event_on end) as last_contact_on,
        max(case when kind in ('order', 'subscription_end') then event_on end) as relationship_end_on
    from events
    where subject_key is not null
    group by subject_key
),

dated as (
    select
        subjects.subject_key,
        subjects.subject_kind,
        case when subjects.is_client then 'client' else 'prospect' end as rule_id,
        subjects.first_seen_on,
        subjects.last_contact_on,
        subjects.relationship_end_on,
        case
            when subjects.is_client then subjects.relationship_end_on
            else coalesce(subjects.last_contact_on, subjects.first_seen_on)
        end as retention_starts_on
    from subjects
),

final as (
    select
        dated.subject_key,
        dated.subject_kind,
        dated.rule_id,
        dated.first_seen_on,
        dated.last_contact_on,
        dated.relationship_end_on,
        dated.retention_starts_on,
        cast({{ dbt.dateadd('month', 'rules.retention_months', 'dated.retention_starts_on') }} as date) as retained_until,
        {{ local_today() }} as reference_date,
        cast({{ dbt.dateadd('month', 'rules.retention_months', 'dated.retention_starts_on') }} as date)
        <= {{ local_today() }} as is_past_retention
    from dated
    inner join rules on rules.rule_id = dated.rule_id
)

select * from final
