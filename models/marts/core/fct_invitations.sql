{#- Invitations from the teams' spreadsheets (press, partners, patrons, professionals), one row
    per invitation line, with the invited person when the identity rules recognise them
    (int_identity__invitation_persons: the same e-mail as a ticketing contact, else the same
    names and postcode designating one person only) and the rule that did. Invitations are not
    sales: no revenue, and they do not count in the audiences' statuses. -#}
with invitations as (
    select * from {{ ref('stg_spreadsheets__invitations') }}
),

invitation_persons as (
    select * from {{ ref('int_identity__invitation_persons') }}
)

select
    invitations.invitation_key,
    invitation_persons.person_key,
    invitation_persons.person_key is not null as is_matched_person,
    invitation_persons.match_rule,
    invitations.invitation_category,
    invitations.organisation,
    invitations.show_name,
    invitations.performance_date,
    invitations.season,
    invitations.seats,
    invitations.attended
from invitations
left join invitation_persons on invitation_persons.invitation_key = invitations.invitation_key
