-- UTM normalisation: publics.clean_utm then the alias seeds, on the variants the teams type.
with cases (raw_source, raw_medium, expected_source, expected_medium) as (
    values
        ('Facebook', 'paid_social', 'facebook', 'paid_social'),
        ('fb', 'Paid-Social', 'facebook', 'paid_social'),
        (' m.facebook.com ', 'paid_social', 'facebook', 'paid_social'),
        ('facebook.com', 'Social', 'facebook', 'social'),
        ('IG', 'paid_social', 'instagram', 'paid_social'),
        ('Google', 'CPC', 'google', 'cpc'),
        ('google', 'ppc', 'google', 'cpc'),
        ('Newsletter', 'E-mail', 'newsletter', 'email'),
        ('mailchimp', 'Email', 'newsletter', 'email'),
        ('lemonde.fr', 'referral', 'lemonde.fr', 'referral'),
        ('', '(not set)', null, null),
        (null, null, null, null)
),
normalised as (
    select
        cases.*,
        {{ publics.canonical_utm('cases.raw_source', 'sources.utm_source') }} as got_source,
        {{ publics.canonical_utm('cases.raw_medium', 'media.utm_medium') }} as got_medium
    from cases
    left join {{ ref('utm_source_aliases') }} as sources on sources.alias = {{ publics.clean_utm('cases.raw_source') }}
    left join {{ ref('utm_medium_aliases') }} as media on media.alias = {{ publics.clean_utm('cases.raw_medium') }}
)
select * from normalised
where got_source is distinct from expected_source or got_medium is distinct from expected_medium
