{#- One row per ticketing contact with the person it belongs to: the connected component of
    int_identity__contact_links (links are transitive: A = B and B = C make one person).
    The person is named after its oldest contact (the smallest contact number), and keyed by a
    keyed hash of it (`person_key`, HMAC through the macro keyed_hash: nobody without the secret
    can recompute it from a contact number), the key every mart uses. -#}
with recursive contacts as (
    select contact_id from {{ ref('stg_secutix__contacts') }}
),

edges as (
    select contact_a as from_id, contact_b as to_id from {{ ref('int_identity__contact_links') }}
    union
    select contact_b, contact_a from {{ ref('int_identity__contact_links') }}
),

reach (contact_id, linked_id) as (
    select contact_id, contact_id as linked_id from contacts
    union
    select reach.contact_id, edges.to_id
    from reach
    inner join edges on edges.from_id = reach.linked_id
),

ranked as (
    select
        contact_id,
        linked_id,
        count(*) over (partition by contact_id) as contacts_in_person,
        -- contact numbers are numeric in SecuTix: the shorter one is the smaller one
        row_number() over (partition by contact_id order by {{ dbt.length('linked_id') }}, linked_id) as rank_in_person
    from reach
)

select
    contact_id,
    linked_id as person_contact_id,
    {{ publics.keyed_hash('linked_id') }} as person_key,
    contacts_in_person,
    contact_id <> linked_id as is_duplicate
from ranked
where rank_in_person = 1
