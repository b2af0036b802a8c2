{#- Every marketing touchpoint of a known person: web sessions of one analytics tool (var
    attribution_web_tool; the two tools see the same visits) whose visitor is linked to a person
    (int_identity__web_visitors), and e-mail clicks (Mailchimp activity, the recipient's e-mail
    hash matched to a ticketing contact). A click that opened a web session already counted (an
    Email session of the same person within the hour) is not counted twice. -#}
with sessions as (
    select * from {{ ref('int_web__sessions') }}
),

tool_choice as (
    {{ attribution_web_tool_select('sessions') }}
),

visitors as (
    select * from {{ ref('int_identity__web_visitors') }}
),

web as (
    select
        sessions.session_key as touchpoint_key,
        'session' as touchpoint_type,
        visitors.person_key,
        sessions.started_at as touched_at,
        sessions.source,
        sessions.medium,
        sessions.campaign,
        sessions.channel_group
    from sessions
    inner join tool_choice on tool_choice.tool = sessions.tool
    inner join visitors on visitors.tool = sessions.tool and visitors.visitor_id = sessions.device_id
),

contacts as (
    select * from {{ ref('int_identity__email_persons') }}
),

clicks as (
    select
        activity.activity_key as touchpoint_key,
        'email_click' as touchpoint_type,
        contacts.person_key,
        activity.occurred_at as touched_at,
        {{ canonical_utm('activity.utm_source_raw', 'source_aliases.utm_source') }} as source,
        coalesce({{ canonical_utm('activity.utm_medium_raw', 'medium_aliases.utm_medium') }}, 'email') as medium,
        activity.utm_campaign as campaign,
        'Email' as channel_group
    from {{ ref('stg_emailing__mailchimp_email_activity') }} as activity
    inner join contacts on contacts.email_key = activity.email_key
    left join {{ ref('utm_source_aliases') }} as source_aliases on source_aliases.alias = activity.utm_source_raw
    left join {{ ref('utm_medium_aliases') }} as medium_aliases on medium_aliases.alias = activity.utm_medium_raw
    where activity.action = 'click'
),

clicks_without_session as (
    select clicks.*
    from clicks
    where not exists (
        select 1 from web
        where web.person_key = clicks.person_key
            and web.channel_group = 'Email'
            and web.touched_at between {{ dbt.dateadd('minute', -5, 'clicks.touched_at') }}
                                   and {{ dbt.dateadd('hour', 1, 'clicks.touched_at') }}
    )
)

select * from web
union all
select * from clicks_without_session
