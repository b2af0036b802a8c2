{#- The person behind each invitation line of the teams' lists, and the rule that says so:
    - email: the invitee's e-mail is a ticketing contact's (int_identity__email_persons, the
      addresses the identity rules merged);
    - nom_code_postal: otherwise (no e-mail, or one the ticketing does not know — a mistyped
      domain), the invitee's folded names (name_key) and postcode, the postcodes not
      contradicting as in identity resolution (macro postcodes_agree), when they designate
      one person only. The list has no birth date: uniqueness stands in for it, and two
      homonyms in one postcode leave the invitation unmatched (`candidate_persons` says how many);
    - none: unmatched, counted apart on dashboard 17. -#}
with invitations as (
    select invitation_key, email_key, name_key, postcode from {{ ref('stg_spreadsheets__invitations') }}
),

email_persons as (
    select * from {{ ref('int_identity__email_persons') }}
),

named_persons as (
    select distinct contacts.name_key, contacts.postcode, identities.person_key
    from {{ ref('stg_secutix__contacts') }} as contacts
    inner join {{ ref('int_identity__contacts') }} as identities on identities.contact_id = contacts.contact_id
    where contacts.contact_type = 'INDIVIDUAL' and contacts.name_key is not null
),

by_email as (
    select invitations.invitation_key, min(email_persons.person_key) as person_key
    from invitations
    inner join email_persons on email_persons.email_key = invitations.email_key
    group by invitations.invitation_key
),

name_candidates as (
    select
        invitations.invitation_key,
        count(distinct named_persons.person_key) as candidate_persons,
        min(named_persons.person_key) as person_key
    from invitations
    inner join named_persons
        on named_persons.name_key = invitations.name_key
        and {{ publics.postcodes_agree('named_persons.postcode', 'invitations.postcode') }}
    left join by_email on by_email.invitation_key = invitations.invitation_key
    where by_email.invitation_key is null and invitations.postcode is not null
    group by invitations.invitation_key
)

select
    invitations.invitation_key,
    coalesce(by_email.person_key, case when name_candidates.candidate_persons = 1 then name_candidates.person_key end)
        as person_key,
    case
        when by_email.person_key is not null then 'email'
        when name_candidates.candidate_persons = 1 then 'nom_code_postal'
        else 'aucune'
    end as match_rule,
    coalesce(name_candidates.candidate_persons, 0) as candidate_persons
from invitations
left join by_email on by_email.invitation_key = invitations.invitation_key
left join name_candidates on name_candidates.invitation_key = invitations.invitation_key
