{#- Dataset of dashboard 11 « Emailing »: three kinds of rows (`row_type`), never added together.
    - `campagne`: one row per e-mail campaign sent (fct_email_campaigns): sends, deliveries,
      bounces, opens (as reported, and without Apple Mail Privacy Protection's automatic opens),
      clickers, clicks, unsubscribes, complaints; inside its tool's measurement window.
    - `attribution`: one row per campaign and attribution model: the orders, tickets and revenue
      credited to the campaign's links (fct_attribution_credits, channel group Email, the link's
      utm_campaign) — measured only for campaigns sent inside the web window of attribution
      (outside: null, « non mesuré »).
    - `liste`: one row per tool and month: addresses subscribed (opt-in time) and cleaned (after
      a hard bounce) from the audience export, unsubscribes as the campaign reports count them
      (the month of the send). -#}
with campaigns as (
    select * from {{ ref('fct_email_campaigns') }}
),

activity as (
    select * from {{ ref('fct_email_activity') }}
),

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

members as (
    select * from {{ ref('stg_emailing__mailchimp_members') }}
),

windows as (
    select source, tool, measured_from, measured_to, is_attribution_web_tool
    from {{ ref('int_quality__measurement_windows') }}
),

email_windows as (
    select
        tool,
        measured_from,
        measured_to,
        {{ measurement_window_label('mesure emailing', 'measured_from', 'measured_to') }} as window_label
    from windows
    where source = 'emailing'
),

web_window as (
    select
        measured_from,
        measured_to,
        {{ measurement_window_label('mesure web', 'measured_from', 'measured_to') }} as window_label
    from windows
    where is_attribution_web_tool
),

-- The utm_campaign of each campaign's links: the one its clicks carry most often.
campaign_links as (
    select tool, campaign_id, utm_campaign, clicks,
        row_number() over (partition by tool, campaign_id order by clicks desc, utm_campaign asc) as link_rank
    from (
        select tool, campaign_id, utm_campaign, count(*) as clicks
        from activity
        where action = 'click' and utm_campaign is not null
        group by tool, campaign_id, utm_campaign
    ) as counted
),

-- Each utm_campaign credited to one e-mail campaign: the one with the most clicks on it, then the
-- latest sent (a name reused by two sends is not credited twice).
utm_owner as (
    select campaign_links.utm_campaign, campaign_links.tool, campaign_links.campaign_id,
        row_number() over (partition by campaign_links.utm_campaign
                           order by campaign_links.clicks desc, campaigns.sent_at desc) as owner_rank
    from campaign_links
    inner join campaigns
        on campaigns.tool = campaign_links.tool and campaigns.campaign_id = campaign_links.campaign_id
    where campaign_links.link_rank = 1
),

email_credits as (
    select
        utm_owner.tool,
        utm_owner.campaign_id,
        credits.attribution_model,
        sum(credits.credit) as attributed_orders,
        sum(credits.credited_tickets) as attributed_tickets,
        sum(credits.credited_revenue_eur) as attributed_revenue_eur
    from credits
    inner join utm_owner on utm_owner.utm_campaign = credits.campaign and utm_owner.owner_rank = 1
    where credits.channel_group = 'Email' and credits.is_attributed
    group by utm_owner.tool, utm_owner.campaign_id, credits.attribution_model
),

campaign_rows as (
    select
        'campagne' as row_type,
        campaigns.tool,
        campaigns.season,
        {{ local_date('campaigns.sent_at') }} as activity_date,
        campaigns.campaign_id,
        campaigns.campaign_title,
        campaigns.subject,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ dbt.type_string() }}) as attribution_model_label,
        {{ measurement_status(local_date('campaigns.sent_at'), local_date('campaigns.sent_at'),
                              'email_windows.measured_from', 'email_windows.measured_to') }} as measurement_status,
        coalesce(email_windows.window_label, 'aucune mesure emailing') as measurement_window_label,
        campaigns.emails_sent,
        campaigns.delivered,
        coalesce(campaigns.hard_bounces, 0) + coalesce(campaigns.soft_bounces, 0) as bounces,
        campaigns.hard_bounces,
        campaigns.soft_bounces,
        campaigns.unique_opens,
        campaigns.apple_mpp_opens as machine_opens,
        campaigns.human_unique_opens,
        -- the delivered of the campaigns whose opens can be told apart (the base of the rate without them)
        case when campaigns.human_unique_opens is not null then campaigns.delivered end as delivered_with_human_opens,
        campaigns.unique_clickers,
        campaigns.clicks,
        campaigns.unsubscribes,
        campaigns.complaints,
        cast(null as numeric(14, 6)) as attributed_orders,
        cast(null as numeric(14, 3)) as attributed_tickets,
        cast(null as numeric(14, 3)) as attributed_revenue_eur,
        cast(null as {{ dbt.type_bigint() }}) as subscribed,
        cast(null as {{ dbt.type_bigint() }}) as unsubscribed,
        cast(null as {{ dbt.type_bigint() }}) as cleaned
    from campaigns
    left join email_windows on email_windows.tool = campaigns.tool
),

attribution_models as (
    {%- for model, label in publics.attribution_models() %}
    select '{{ model }}' as attribution_model, '{{ label }}' as attribution_model_label
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

attribution_rows as (
    select
        'attribution' as row_type,
        campaigns.tool,
        campaigns.season,
        {{ local_date('campaigns.sent_at') }} as activity_date,
        campaigns.campaign_id,
        campaigns.campaign_title,
        campaigns.subject,
        attribution_models.attribution_model,
        attribution_models.attribution_model_label,
        -- a campaign's sales are measured when it was sent inside the web window of attribution
        {{ measurement_status(local_date('campaigns.sent_at'), local_date('campaigns.sent_at'),
                              '(select measured_from from web_window)', '(select measured_to from web_window)') }}
            as measurement_status,
        coalesce((select web_window.window_label from web_window), 'aucune mesure web') as measurement_window_label,
        {%- for column in ['emails_sent', 'delivered', 'bounces', 'hard_bounces', 'soft_bounces', 'unique_opens',
                           'machine_opens', 'human_unique_opens', 'delivered_with_human_opens', 'unique_clickers',
                           'clicks', 'unsubscribes', 'complaints'] %}
        cast(null as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        -- null outside the web window (« non mesuré »), 0 for a measured campaign that sold nothing
        case when {{ is_in_window(local_date('campaigns.sent_at'), '(select measured_from from web_window)',
                                  '(select measured_to from web_window)') }}
            then cast(coalesce(email_credits.attributed_orders, 0) as numeric(14, 6)) end as attributed_orders,
        case when {{ is_in_window(local_date('campaigns.sent_at'), '(select measured_from from web_window)',
                                  '(select measured_to from web_window)') }}
            then cast(coalesce(email_credits.attributed_tickets, 0) as numeric(14, 3)) end as attributed_tickets,
        case when {{ is_in_window(local_date('campaigns.sent_at'), '(select measured_from from web_window)',
                                  '(select measured_to from web_window)') }}
            then {{ money('coalesce(email_credits.attributed_revenue_eur, 0)') }} end as attributed_revenue_eur,
        cast(null as {{ dbt.type_bigint() }}) as subscribed,
        cast(null as {{ dbt.type_bigint() }}) as unsubscribed,
        cast(null as {{ dbt.type_bigint() }}) as cleaned
    from campaigns
    cross join attribution_models
    left join email_credits
        on email_credits.tool = campaigns.tool
        and email_credits.campaign_id = campaigns.campaign_id
        and email_credits.attribution_model = attribution_models.attribution_model
),

list_events as (
    select tool, {{ dbt.date_trunc('month', local_date('opted_in_at')) }} as month, 1 as subscribed, 0 as cleaned
    from members
    where opted_in_at is not null
    union all
    select tool, {{ dbt.date_trunc('month', local_date('cleaned_at')) }} as month, 0 as subscribed, 1 as cleaned
    from members
    where status = 'cleaned' and cleaned_at is not null
),

list_unsubscribes as (
    select tool, {{ dbt.date_trunc('month', local_date('sent_at')) }} as month, 0 as subscribed, 0 as cleaned,
        sum(coalesce(unsubscribes, 0)) as unsubscribed
    from campaigns
    where tool = 'mailchimp'
    group by tool, {{ dbt.date_trunc('month', local_date('sent_at')) }}
),

list_months as (
    select tool, month, sum(subscribed) as subscribed, sum(unsubscribed) as unsubscribed, sum(cleaned) as cleaned
    from (
        select tool, month, subscribed, 0 as unsubscribed, cleaned from list_events
        union all
        select tool, month, subscribed, unsubscribed, cleaned from list_unsubscribes
    ) as events
    group by tool, month
),

list_rows as (
    select
        'liste' as row_type,
        list_months.tool,
        {{ season_of('cast(list_months.month as date)') }} as season,
        cast(list_months.month as date) as activity_date,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as campaign_title,
        cast(null as {{ dbt.type_string() }}) as subject,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ dbt.type_string() }}) as attribution_model_label,
        {{ measurement_status('cast(list_months.month as date)', 'cast(list_months.month as date)',
                              dbt.date_trunc('month', 'email_windows.measured_from'), 'email_windows.measured_to') }}
            as measurement_status,
        coalesce(email_windows.window_label, 'aucune mesure emailing') as measurement_window_label,
        {%- for column in ['emails_sent', 'delivered', 'bounces', 'hard_bounces', 'soft_bounces', 'unique_opens',
                           'machine_opens', 'human_unique_opens', 'delivered_with_human_opens', 'unique_clickers',
                           'clicks', 'unsubscribes', 'complaints'] %}
        cast(null as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        cast(null as numeric(14, 6)) as attributed_orders,
        cast(null as numeric(14, 3)) as attributed_tickets,
        cast(null as numeric(14, 3)) as attributed_revenue_eur,
        cast(list_months.subscribed as {{ dbt.type_bigint() }}) as subscribed,
        -- the reports' unsubscribes are known inside the emailing window only (outside: null)
        case when {{ is_in_window('cast(list_months.month as date)', dbt.date_trunc('month', 'email_windows.measured_from'),
                                  'email_windows.measured_to') }}
            then cast(list_months.unsubscribed as {{ dbt.type_bigint() }}) end as unsubscribed,
        cast(list_months.cleaned as {{ dbt.type_bigint() }}) as cleaned
    from list_months
    left join email_windows on email_windows.tool = list_months.tool
),

final as (
    select * from campaign_rows
    union all
    select * from attribution_rows
    union all
    select * from list_rows
)

select
    row_type,
    tool,
    season,
    activity_date,
    campaign_id,
    campaign_title,
    subject,
    attribution_model,
    attribution_model_label,
    measurement_status,
    measurement_window_label,
    emails_sent,
    delivered,
    bounces,
    hard_bounces,
    soft_bounces,
    unique_opens,
    machine_opens,
    human_unique_opens,
    delivered_with_human_opens,
    unique_clickers,
    clicks,
    unsubscribes,
    complaints,
    attributed_orders,
    attributed_tickets,
    attributed_revenue_eur,
    subscribed,
    unsubscribed,
    cleaned
from final
