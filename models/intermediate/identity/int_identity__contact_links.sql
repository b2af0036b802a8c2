{#- Pairs of ticketing contacts that are the same person, and the rule that says so.
    Rules (in the glossary, "résolution d'identité"):
    - email: same e-mail once trimmed, lower-cased and its domain's common typos corrected
      (seed email_domain_corrections: gmial.com → gmail.com); compared through a hash;
    - name_birthdate: same folded last and first names (name_key) and same birth date, with
      postcodes that do not contradict (equal, or one of them unknown) — individuals only;
    - manual: a pair the institution declared in the seed identity_manual_merges.
    Name and postcode alone are not a rule: homonyms living in the same postcode are common.
    E-mails and birth dates are read from the restricted schema and leave this model only as
    contact ids. -#}
with contacts as (
    select staged.contact_id, staged.contact_type, staged.name_key, identities.birth_date, staged.postcode
    from {{ ref('stg_secutix__contacts') }} as staged
    left join {{ ref('restricted_contact_identities') }} as identities on identities.contact_id = staged.contact_id
),

emails as (
    select
        identities.contact_id,
        {{ dbt.split_part('identities.email', "'@'", 1) }} as local_part,
        coalesce(corrections.domain, {{ dbt.split_part('identities.email', "'@'", 2) }}) as domain
    from {{ ref('restricted_contact_identities') }} as identities
    left join {{ ref('email_domain_corrections') }} as corrections
        on corrections.typed_domain = {{ dbt.split_part('identities.email', "'@'", 2) }}
    where identities.email like '%@%'
),

email_keys as (
    select contact_id, {{ publics.keyed_hash("local_part || '@' || domain") }} as corrected_email_key
    from emails
),

by_email as (
    select a.contact_id as contact_a, b.contact_id as contact_b, 'email' as rule
    from email_keys as a
    inner join email_keys as b on a.corrected_email_key = b.corrected_email_key and a.contact_id < b.contact_id
),

by_name_birthdate as (
    select a.contact_id as contact_a, b.contact_id as contact_b, 'name_birthdate' as rule
    from contacts as a
    inner join contacts as b
        on a.name_key = b.name_key
        and a.birth_date = b.birth_date
        and a.contact_id < b.contact_id
        and {{ publics.postcodes_agree('a.postcode', 'b.postcode') }}
    where a.contact_type = 'INDIVIDUAL' and b.contact_type = 'INDIVIDUAL'
),

manual as (
    select
        least(cast(contact_id as {{ dbt.type_string() }}), cast(same_person_as_contact_id as {{ dbt.type_string() }})) as contact_a,
        greatest(cast(contact_id as {{ dbt.type_string() }}), cast(same_person_as_contact_id as {{ dbt.type_string() }})) as contact_b,
        'manual' as rule
    from {{ ref('identity_manual_merges') }}
    where contact_id is not null and same_person_as_contact_id is not null
),

all_links as (
    select * from by_email
    union all
    select * from by_name_birthdate
    union all
    select * from manual
)

select
    contact_a,
    contact_b,
    {{ dbt.listagg('distinct rule', "', '", "order by rule") }} as rules
from all_links
where contact_a <> contact_b
group by contact_a, contact_b
