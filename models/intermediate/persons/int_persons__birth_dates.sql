{#- Each person's birth date, from the most recently updated of their ticketing contacts that
    has one (as dim_persons takes its golden birth year). Read from the restricted schema, and
    ephemeral: the full birth date is never stored outside it (only the year circulates); the
    models that read this one keep ages only (age at purchase, at a performance). -#}
{{ config(materialized='ephemeral') }}
with identities as (
    select contact_id, person_key from {{ ref('int_identity__contacts') }}
),

contacts as (
    select contact_id, updated_at from {{ ref('stg_secutix__contacts') }}
),

restricted as (
    select contact_id, birth_date from {{ ref('restricted_contact_identities') }}
    where birth_date is not null
),

ranked as (
    select
        identities.person_key,
        restricted.birth_date,
        row_number() over (
            partition by identities.person_key
            order by contacts.updated_at desc, contacts.contact_id desc) as recency_rank
    from identities
    inner join contacts on contacts.contact_id = identities.contact_id
    inner join restricted on restricted.contact_id = identities.contact_id
)

select person_key, birth_date
from ranked
where recency_rank = 1
