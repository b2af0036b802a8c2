{#- E-mail campaigns sent, one row per campaign, from both e-mailing tools (Mailchimp reports,
    Brevo campaigns) in one shape. Counts as the tool reports them; Apple Mail Privacy
    Protection's automatic opens are kept apart (they are not people opening): Brevo's
    appleMppOpens, Mailchimp's unique opens less its proxy_excluded_unique_opens. -#}
with mailchimp as (
    select * from {{ ref('stg_emailing__mailchimp_reports') }}
),

brevo as (
    select * from {{ ref('stg_emailing__brevo_campaigns') }}
),

unioned as (
    select
        tool, campaign_id, campaign_title, subject, sent_at, season, emails_sent, delivered, unique_opens,
        -- Mailchimp gives the opens without Apple's proxy: the automatic ones are the difference
        unique_opens - proxy_excluded_unique_opens as apple_mpp_opens,
        proxy_excluded_unique_opens as human_unique_opens,
        unique_clickers, clicks, unsubscribes, hard_bounces, soft_bounces, complaints
    from mailchimp
    union all
    select
        tool, campaign_id, campaign_title, subject, sent_at, season, emails_sent, delivered, unique_opens,
        apple_mpp_opens,
        -- Brevo counts Apple's automatic opens apart (appleMppOpens); taken out of its unique opens
        case when apple_mpp_opens is not null then greatest(unique_opens - apple_mpp_opens, 0) end
            as human_unique_opens,
        unique_clickers, clicks, unsubscribes, hard_bounces, soft_bounces, complaints
    from brevo
)

select
    {{ publics.surrogate_key(['tool', 'campaign_id']) }} as email_campaign_key,
    unioned.*
from unioned
