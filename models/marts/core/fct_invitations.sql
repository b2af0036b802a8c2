{#- Invitations from the teams' spreadsheets (press, partners, patrons, professionals), one row
    per invitation line, with the invited person when a ticketing contact has the same e-mail
    address. Invitations are not sales: no revenue, and they do not count in the audiences'
    statuses. Guests without an e-mail address stay unmatched (no name matching here). -#}
with invitations as (
    select * from {{ ref('stg_spreadsheets__invitations') }}
),

email_persons as (
    select * from {{ ref('int_identity__email_persons') }}
)

select
    invitations.invitation_key,
    email_persons.person_key,
    email_persons.person_key is not null as is_matched_person,
    invitations.invitation_category,
    invitations.organisation,
    invitations.show_name,
    invitations.performance_date,
    invitations.season,
    invitations.seats,
    invitations.attended
from invitations
left join email_persons on email_persons.email_key = invitations.email_key
