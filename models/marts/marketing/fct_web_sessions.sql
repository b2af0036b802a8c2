{#- Web sessions of both analytics tools, one row per session, with their traffic source in the
    shared nomenclature and the person behind the device when it is known. The two tools see the
    same visits: count sessions within one tool (filter `tool`), never across both. No visitor,
    device or user id here: the person key is the only link to a person. -#}
with sessions as (
    select * from {{ ref('int_web__sessions') }}
),

visitors as (
    select * from {{ ref('int_identity__web_visitors') }}
)

select
    sessions.session_key,
    sessions.tool,
    visitors.person_key,
    sessions.started_at,
    sessions.session_date,
    sessions.season,
    sessions.duration_s,
    sessions.landing_page,
    sessions.source,
    sessions.medium,
    sessions.campaign,
    sessions.campaign_season,
    sessions.campaign_objective,
    sessions.campaign_show,
    sessions.campaign_audience,
    sessions.is_campaign_conforming,
    sessions.channel_group,
    sessions.channel_group_label,
    sessions.is_paid_channel,
    sessions.device_category,
    sessions.country,
    sessions.pageviews,
    sessions.transactions,
    cast(sessions.revenue as numeric(14, 2)) as revenue_eur,
    sessions.has_purchase,
    sessions.show_page,
    {%- for step in publics.web_funnel_page_steps() %}
    sessions.reached_{{ step.step }}_at,
    {%- endfor %}
    {{ publics.web_funnel_step_reached('sessions') }} as funnel_step,
    {{ publics.web_funnel_step_skipped('sessions') }} as has_skipped_funnel_step
from sessions
left join visitors
    on visitors.tool = sessions.tool
    and visitors.visitor_id = sessions.device_id
