{#- Dataset of dashboard 10 « Parcours web & conversion »: web sessions of each analytics tool by
    day, channel group, device and show page, with how far they went in the purchase funnel
    (macros/web_funnel.sql: landing → show page → begin_checkout → purchase, closed like GA4's
    funnel explorations) and the purchases and revenue each tool saw. The two tools see the same
    visits differently: GA4 only the visitors who accepted its cookies (consent), Matomo — run
    under the CNIL's exemption — every visitor without an ad-blocker; rows of both are never
    added up (every card filters or groups by `tool`). An exempt tool (var web_tools_consent)
    measures no acquisition: its sessions' channel reads « Non mesuré (outil exempté) ». Each row says whether its day is inside
    its tool's measurement window, and the window in words. -#}
with sessions as (
    select * from {{ ref('fct_web_sessions') }}
),

windows as (
    select
        tool,
        measured_from,
        measured_to,
        case tool
            when 'ga4' then {{ measurement_window_label('mesure GA4', 'measured_from', 'measured_to') }}
            when 'matomo' then {{ measurement_window_label('mesure Matomo', 'measured_from', 'measured_to') }}
            else {{ measurement_window_label('mesure web', 'measured_from', 'measured_to') }}
        end as window_label
    from {{ ref('int_quality__measurement_windows') }}
    where source = 'web'
),

grouped as (
    select
        tool,
        season,
        session_date,
        -- an exempt tool measures no acquisition (web_tools_consent): its sessions have no channel
        case when {{ publics.is_consent_based_web_tool('tool') }}
            then coalesce(channel_group_label, channel_group, '(inconnu)')
            else 'Non mesuré (outil exempté)' end as channel_group_label,
        coalesce(device_category, '(inconnu)') as device_category,
        -- the page's path: the site's address adds nothing to a show
        coalesce({{ publics.regex_replace_all('show_page', '^https?://[^/]+', '') }}, '(aucune page de spectacle)')
            as show_page,
        count(*) as sessions,
        {%- for step in publics.web_funnel_steps()[1:] %}
        count(case when funnel_step >= {{ step.number }} then 1 end) as {{ step.step }}_sessions,
        {%- endfor %}
        count(case when has_purchase then 1 end) as purchasing_sessions,
        count(case when has_skipped_funnel_step then 1 end) as skipped_step_sessions,
        sum(transactions) as transactions,
        {{ money('sum(coalesce(revenue_eur, 0))') }} as revenue_eur
    from sessions
    group by
        tool, season, session_date,
        case when {{ publics.is_consent_based_web_tool('tool') }}
            then coalesce(channel_group_label, channel_group, '(inconnu)')
            else 'Non mesuré (outil exempté)' end,
        coalesce(device_category, '(inconnu)'),
        coalesce({{ publics.regex_replace_all('show_page', '^https?://[^/]+', '') }}, '(aucune page de spectacle)')
),

final as (
    select
        grouped.tool,
        case grouped.tool
            when 'ga4' then 'GA4 (visiteurs ayant consenti)'
            when 'matomo' then 'Matomo (exempté : tous les visiteurs sans bloqueur)'
            else grouped.tool
        end as tool_label,
        grouped.season,
        grouped.session_date,
        grouped.channel_group_label,
        grouped.device_category,
        grouped.show_page,
        {{ measurement_status('grouped.session_date', 'grouped.session_date', 'windows.measured_from',
                              'windows.measured_to') }} as measurement_status,
        coalesce(windows.window_label, 'aucune mesure web') as measurement_window_label,
        cast(grouped.sessions as {{ dbt.type_bigint() }}) as sessions,
        {%- for step in publics.web_funnel_steps()[1:] %}
        cast(grouped.{{ step.step }}_sessions as {{ dbt.type_bigint() }}) as {{ step.step }}_sessions,
        {%- endfor %}
        cast(grouped.purchasing_sessions as {{ dbt.type_bigint() }}) as purchasing_sessions,
        cast(grouped.skipped_step_sessions as {{ dbt.type_bigint() }}) as skipped_step_sessions,
        cast(grouped.transactions as {{ dbt.type_bigint() }}) as transactions,
        grouped.revenue_eur
    from grouped
    left join windows on windows.tool = grouped.tool
)

select * from final
