{#- Direct identifiers of ticketing contacts: the only place they leave `raw`. Read by the
    box office and CRM exports, never by Metabase (its role sees `marts` only). -#}
with contacts as (
    select * from {{ ref('base_secutix__contacts') }}
),

final as (
    select
        contact_id,
        first_name,
        last_name,
        structure_name,
        email,
        email_key,
        phone,
        mobile_phone,
        address_line,
        birth_date,
        updated_at
    from contacts
)

select * from final
