{#- E-mail campaigns sent, one row per campaign, from both e-mailing tools (Mailchimp reports,
    Brevo campaigns) in one shape. Counts as the tool reports them; Brevo's Apple Mail Privacy
    Protection opens are kept apart (they are not people opening). -#}
with mailchimp as (
    select * from {{ ref('stg_emailing__mailchimp_reports') }}
),

brevo as (
    select * from {{ ref('stg_emailing__brevo_campaigns') }}
),

unioned as (
    select
        tool, campaign_id, campaign_title, subject, sent_at, season, emails_sent, delivered, unique_opens,
        cast(null as {{ dbt.type_bigint() }}) as apple_mpp_opens, unique_clickers, clicks, unsubscribes,
        hard_bounces, soft_bounces, complaints
    from mailchimp
    union all
    select
        tool, campaign_id, campaign_title, subject, sent_at, season, emails_sent, delivered, unique_opens,
        apple_mpp_opens, unique_clickers, clicks, unsubscribes, hard_bounces, soft_bounces, complaints
    from brevo
)

select
    {{ publics.surrogate_key(['tool', 'campaign_id']) }} as email_campaign_key,
    unioned.*
from unioned
