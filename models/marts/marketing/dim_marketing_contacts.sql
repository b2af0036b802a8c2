{#- The persons an exported list may hold, with the one contact to write to: a person of
    dim_marketing_audience (no objection to marketing) who does not object to profiling either,
    whose latest choice in SecuTix is « oui » to the newsletter (marketing consent) and whose
    address neither unsubscribed from Mailchimp (or was cleaned) nor is blacklisted in Brevo.
    The contact is the person's most recently updated one with an address; its number (a
    pseudonym, as everywhere in the marts) is what `publics audiences export` joins in
    `restricted` for the address and the names. -#}
with audience as (
    select marketing.person_key from {{ ref('dim_marketing_audience') }} as marketing
    where marketing.has_newsletter_opt_in and marketing.has_email
        and {{ gdpr_not_objecting('profiling', 'marketing.person_key') }}
),

contacts as (
    select
        identities.person_key,
        contacts.contact_id,
        contacts.email_key,
        row_number() over (partition by identities.person_key
            order by contacts.updated_at desc nulls last, contacts.contact_id desc) as contact_rank
    from {{ ref('stg_secutix__contacts') }} as contacts
    inner join {{ ref('int_identity__contacts') }} as identities on identities.contact_id = contacts.contact_id
    where contacts.has_email
),

refused as (  -- addresses the e-mailing tools say no longer receive campaigns
    select email_key from {{ ref('stg_emailing__mailchimp_members') }} where status in ('unsubscribed', 'cleaned')
    union
    select email_key from {{ ref('stg_emailing__brevo_contacts') }} where is_email_blacklisted
),

final as (
    select
        audience.person_key,
        contacts.contact_id,
        contacts.email_key
    from audience
    inner join contacts on contacts.person_key = audience.person_key and contacts.contact_rank = 1
    where contacts.email_key not in (select refused.email_key from refused where refused.email_key is not null)
)

select * from final
