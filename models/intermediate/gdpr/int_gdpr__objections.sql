{#- The effective objections (GDPR art. 21), one row per person of the ticketing who has ever
    expressed one: to profiling (the RFM scores) and to marketing (the lists of persons one may
    solicit). Two sources of events, the latest of a person and kind deciding (a withdrawal
    restores, a later « oui » in SecuTix ends a « non »):
    - the requests `publics gdpr object` records (stg_publics__gdpr_objections, keyed hash of the address:
      every contact of the person bearing that address);
    - SecuTix's own opt-out: a contact whose `opt_in_newsletter` says « N » has refused the
      house's communications (a marketing objection, dated by the contact's last update); « O »
      is a consent that ends an earlier objection; empty says nothing.
    Read by every model that scores or lists persons, through the macro `gdpr_not_objecting`. -#}
with contacts as (
    select contact_id, email_key, has_newsletter_opt_in, has_refused_newsletter, updated_at
    from {{ ref('stg_secutix__contacts') }}
),

identities as (
    select contact_id, person_key from {{ ref('int_identity__contacts') }}
),

requests as (
    select email_key, kind, is_objection, recorded_at as event_at, source
    from {{ ref('stg_publics__gdpr_objections') }}
),

events as (
    select identities.person_key, requests.kind, requests.is_objection, requests.event_at, requests.source
    from requests
    inner join contacts on contacts.email_key = requests.email_key
    inner join identities on identities.contact_id = contacts.contact_id
    union all
    select identities.person_key, 'marketing' as kind, contacts.has_refused_newsletter as is_objection,
        contacts.updated_at as event_at, 'secutix' as source
    from contacts
    inner join identities on identities.contact_id = contacts.contact_id
    where contacts.has_refused_newsletter or contacts.has_newsletter_opt_in
),

latest as (
    select
        person_key,
        kind,
        is_objection,
        event_at,
        source,
        -- at the same instant a request made here wins over the export's flag
        row_number() over (partition by person_key, kind
            order by event_at desc nulls last, case when source = 'secutix' then 1 else 0 end) as event_rank
    from events
)

select
    person_key,
    coalesce(bool_or(kind = 'profiling' and is_objection), false) as objects_to_profiling,
    coalesce(bool_or(kind = 'marketing' and is_objection), false) as objects_to_marketing,
    max(case when kind = 'profiling' and is_objection then event_at end) as profiling_objected_at,
    max(case when kind = 'marketing' and is_objection then event_at end) as marketing_objected_at,
    max(case when kind = 'marketing' and is_objection then source end) as marketing_objection_source
from latest
where event_rank = 1
group by person_key
