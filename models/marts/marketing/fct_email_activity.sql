{#- E-mailing activity, one row per recipient action (open, click, bounce) as the tool reports
    it, with the campaign it belongs to and the person behind the address when a ticketing
    contact has it. No e-mail address here, not even hashed: the person key is the only link. -#}
with activity as (
    select * from {{ ref('stg_emailing__mailchimp_email_activity') }}
),

campaigns as (
    select * from {{ ref('stg_emailing__mailchimp_reports') }}
),

email_persons as (
    select * from {{ ref('int_identity__email_persons') }}
)

select
    activity.activity_key,
    activity.tool,
    activity.campaign_id,
    campaigns.campaign_title,
    campaigns.sent_at as campaign_sent_at,
    email_persons.person_key,
    activity.action,
    activity.bounce_type,
    activity.occurred_at,
    {{ publics.local_date('activity.occurred_at') }} as activity_date,
    activity.season,
    activity.clicked_page,
    activity.utm_campaign
from activity
left join campaigns on campaigns.campaign_id = activity.campaign_id
left join email_persons on email_persons.email_key = activity.email_key
