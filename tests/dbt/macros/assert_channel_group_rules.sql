-- publics.channel_group against GA4's default channel rules, one case per rule and the traps
-- between them (a paid medium on a social source, email in the source only…). Any row returned
-- is a case the macro classifies wrongly.
with cases (source, medium, campaign, expected) as (
    values
        ('(direct)', '(none)', null, 'Direct'),
        ('(direct)', null, null, 'Direct'),
        (null, null, null, 'Direct'),
        ('google', 'cpc', '2025-26_conquete_carmen_tous', 'Paid Search'),
        ('bing', 'ppc', null, 'Paid Search'),
        ('facebook', 'paid_social', null, 'Paid Social'),
        ('instagram', 'paid_social', '2025-26_conquete_saison_jeunes', 'Paid Social'),
        ('youtube', 'paid_video', null, 'Paid Video'),
        ('criteo', 'display', null, 'Display'),
        ('partenaire', 'cpm', null, 'Display'),
        ('partenaire', 'paid', null, 'Paid Other'),
        ('google', 'cpc', 'cross-network_pmax', 'Cross-network'),
        ('google', 'organic', null, 'Organic Search'),
        ('qwant', 'referral', null, 'Organic Search'),
        ('facebook', 'social', null, 'Organic Social'),
        ('m.facebook.com', 'referral', null, 'Organic Social'),
        ('unknown-site', 'social-media', null, 'Organic Social'),
        ('youtube', 'referral', null, 'Organic Video'),
        ('lemonde.fr', 'referral', null, 'Referral'),
        ('newsletter', 'email', null, 'Email'),
        ('e-mail', 'lien', null, 'Email'),
        ('partenaire', 'affiliate', null, 'Affiliates'),
        ('deezer', 'audio', null, 'Audio'),
        ('sms', 'text', null, 'SMS'),
        ('appli', 'web-push', null, 'Mobile Push Notifications'),
        ('affiche', 'qr', null, 'Unassigned')
),
classified as (
    select
        cases.*,
        {{ publics.channel_group('cases.source', 'cases.medium', 'cases.campaign', 'categories.source_category') }} as got
    from cases
    left join {{ ref('ga4_source_categories') }} as categories on categories.source = cases.source
)
select * from classified where got is distinct from expected
