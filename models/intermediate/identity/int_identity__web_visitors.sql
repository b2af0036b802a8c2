{#- Web devices of the consent-based tools only (var web_tools_consent: an exempt tool's
    visitors are never linked to anyone) linked to a person, with the evidence: a logged-in visit
    (the site sends the SecuTix contact number as user id) or a purchase matched to a ticketing
    order (its buyer). The device is the tool's visitor id (GA4: the pseudo id; Matomo, if it is
    ever declared consent-based: its visitor id — a device fingerprint is not an identity and
    links to nobody). When the evidence disagrees (a shared computer), the most recent wins.
    Devices with no evidence stay anonymous. -#}
with sessions as (
    select tool, session_key, device_id as visitor_id, user_id, started_at from {{ ref('int_web__sessions') }}
    where device_id is not null and {{ publics.is_consent_based_web_tool('tool') }}
),

identities as (
    select contact_id, person_key from {{ ref('int_identity__contacts') }}
),

matches as (
    select * from {{ ref('int_attribution__order_matches') }} where is_matched and session_key is not null
),

orders as (
    select order_id, buyer_person_key from {{ ref('int_sales__orders') }}
),

evidence as (
    select sessions.tool, sessions.visitor_id, identities.person_key, sessions.started_at as seen_at,
        'logged_in' as linked_by
    from sessions
    inner join identities on identities.contact_id = sessions.user_id
    union all
    select matches.tool, sessions.visitor_id, orders.buyer_person_key as person_key, matches.purchased_at as seen_at,
        'purchase' as linked_by
    from matches
    inner join sessions on sessions.session_key = matches.session_key
    inner join orders on orders.order_id = matches.order_id
    where orders.buyer_person_key is not null
),

ranked as (
    select
        evidence.*,
        row_number() over (partition by tool, visitor_id order by seen_at desc, linked_by asc) as evidence_rank
    from evidence
),

spread as (
    select tool, visitor_id, count(distinct person_key) as persons_seen
    from evidence
    group by tool, visitor_id
)

select
    ranked.tool,
    ranked.visitor_id,
    ranked.person_key,
    ranked.linked_by,
    spread.persons_seen
from ranked
inner join spread on spread.tool = ranked.tool and spread.visitor_id = ranked.visitor_id
where ranked.evidence_rank = 1
