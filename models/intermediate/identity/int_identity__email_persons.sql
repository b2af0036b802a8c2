{#- The person behind each e-mail address (its hash, `email_key`), for the sources that know
    people by e-mail only (e-mailing activity, invitation lists). The identity rules merge the
    contacts sharing a normalised e-mail, so an address belongs to one person. -#}
select distinct
    contacts.email_key,
    identities.person_key
from {{ ref('stg_secutix__contacts') }} as contacts
inner join {{ ref('int_identity__contacts') }} as identities on identities.contact_id = contacts.contact_id
where contacts.email_key is not null
