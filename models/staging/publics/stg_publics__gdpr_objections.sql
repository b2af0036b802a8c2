{#- The objection requests `publics gdpr object` records (raw.gdpr_objections), typed: one row
    per request or withdrawal, the address as its keyed hash only. -#}
select
    email_key,
    kind,
    action = 'object' as is_objection,
    recorded_at,
    source
from {{ source('gdpr', 'gdpr_objections') }}
