{#- From when to when each source's tools have data: one row per source and tool (SecuTix;
    GA4 and Matomo; Meta Ads and Google Ads; Mailchimp and Brevo; each social network), its first and last day of
    data (local days, from the data itself), and the window the KPIs use: the data's, or the
    one the var `measurement_windows` gives for the tool (`{ga4: {from: "2025-06-01"}}`, a
    bound left out keeping the data's). A figure of a period outside its source's window is
    « non mesuré », never 0. The web tool whose sessions feed attribution is flagged. -#}
{%- set overrides = var('measurement_windows', {}) or {} -%}
with sessions as (
    select * from {{ ref('int_web__sessions') }}
),

attribution_tool as (
    {{ attribution_web_tool_select('sessions') }}
),

days as (
    select 'secutix' as source, 'secutix' as tool, order_date as data_day
    from {{ ref('stg_secutix__orders') }}
    union all
    select 'web' as source, tool, session_date as data_day
    from sessions
    union all
    select 'ads' as source, platform as tool, activity_date as data_day
    from {{ ref('int_marketing__ad_spend_daily') }}
    union all
    select 'emailing' as source, 'mailchimp' as tool, {{ local_date('occurred_at') }} as data_day
    from {{ ref('stg_emailing__mailchimp_email_activity') }}
    union all
    select 'emailing' as source, 'mailchimp' as tool, {{ local_date('sent_at') }} as data_day
    from {{ ref('stg_emailing__mailchimp_reports') }}
    union all
    select 'emailing' as source, 'brevo' as tool, {{ local_date('sent_at') }} as data_day
    from {{ ref('stg_emailing__brevo_campaigns') }}
    union all
    select 'social' as source, platform as tool, activity_date as data_day
    from {{ ref('stg_social__posts') }}
),

observed as (
    select source, tool, min(data_day) as data_from, max(data_day) as data_to, count(distinct data_day) as data_days
    from days
    where data_day is not null
    group by source, tool
),

overridden as (
    {% for tool, window in overrides.items() %}
    select
        '{{ tool }}' as tool,
        {% if window.get('from') %}cast('{{ window["from"] }}' as date){% else %}cast(null as date){% endif %} as override_from,
        {% if window.get('to') %}cast('{{ window["to"] }}' as date){% else %}cast(null as date){% endif %} as override_to
    union all
    {% endfor %}
    select cast(null as {{ dbt.type_string() }}) as tool, cast(null as date) as override_from, cast(null as date) as override_to
    where false
),

final as (
    select
        observed.source,
        observed.tool,
        observed.data_from,
        observed.data_to,
        observed.data_days,
        coalesce(overridden.override_from, observed.data_from) as measured_from,
        coalesce(overridden.override_to, observed.data_to) as measured_to,
        overridden.tool is not null as is_overridden,
        coalesce(observed.source = 'web' and observed.tool = attribution_tool.tool, false) as is_attribution_web_tool
    from observed
    -- no consent-based web tool: no attribution tool (a left join keeps every window)
    left join attribution_tool on true
    left join overridden on overridden.tool = observed.tool
)

select * from final
