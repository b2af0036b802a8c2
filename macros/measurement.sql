{#- Measurement windows and the current season (see models/intermediate/quality/
    int_quality__measurement_windows.sql and models/marts/core/dim_current_season.sql). -#}

{#- The consent regime of each web analytics tool (var `web_tools_consent`: exempt | consent):
    `exempt` is the CNIL's audience-measurement exemption (anonymous statistics only: no
    acquisition channels, campaigns or conversions, no cohorts, no cross-referencing), `consent`
    a tool that only records visitors who accepted it. A tool the var does not name is exempt. -#}
{% macro web_tool_consent(tool) -%}
    {%- set regimes = var('web_tools_consent', {}) or {} -%}
    {%- set regime = regimes.get(tool, 'exempt') -%}
    {%- if regime not in ('exempt', 'consent') -%}
        {{ exceptions.raise_compiler_error("web_tools_consent: " ~ tool ~ " is '" ~ regime ~ "', expected exempt or consent") }}
    {%- endif -%}
    {{ return(regime) }}
{%- endmacro %}

{#- The web tools whose data may link to a person, feed touchpoints, attribution and scores. -#}
{% macro consent_based_web_tools() -%}
    {%- set tools = [] -%}
    {%- for tool in ('ga4', 'matomo') if publics.web_tool_consent(tool) == 'consent' -%}
        {%- do tools.append(tool) -%}
    {%- endfor -%}
    {{ return(tools) }}
{%- endmacro %}

{#- Whether the tool in `tool_expr` is consent-based (a SQL boolean). -#}
{% macro is_consent_based_web_tool(tool_expr) -%}
    {%- set tools = publics.consent_based_web_tools() -%}
    {%- if tools -%}
        {{ tool_expr }} in ({% for t in tools %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- The web analytics tool whose sessions are attribution touchpoints, as a one-column select
    (`tool`) over `sessions` (int_web__sessions): the var `attribution_web_tool` (ga4 | matomo,
    which must be consent-based: an exempt tool measures no acquisition), or with `auto` the
    consent-based tool that recorded the most sessions (none: no row, the web is not measured
    for attribution). Read by the touchpoints and by the measurement windows, so that both name
    the same tool. -#}
{% macro attribution_web_tool_select(sessions) -%}
    {%- set chosen = var('attribution_web_tool', 'auto') -%}
    {% if chosen == 'auto' -%}
    select tool
    from (select tool, row_number() over (order by count(*) desc, tool asc) as tool_rank
          from {{ sessions }} where {{ publics.is_consent_based_web_tool('tool') }} group by tool) as counted
    where tool_rank = 1
    {%- elif publics.web_tool_consent(chosen) != 'consent' -%}
        {{ exceptions.raise_compiler_error("attribution_web_tool: " ~ chosen ~ " is consent-exempt (web_tools_consent) and may not measure acquisition; name a consent-based tool or use auto") }}
    {%- else -%}
    select '{{ chosen }}' as tool
    {%- endif %}
{%- endmacro %}

{#- Whether the day `date_expr` falls inside a window [from_expr, to_expr] (nulls: not inside). -#}
{% macro is_in_window(date_expr, from_expr, to_expr) -%}
    coalesce({{ date_expr }} between {{ from_expr }} and {{ to_expr }}, false)
{%- endmacro %}

{#- What a period [period_from, period_to] is against a window [from, to]: 'mesuré' (inside),
    'partiellement mesuré' (overlapping), 'non mesuré' (outside, or no window). -#}
{% macro measurement_status(period_from, period_to, window_from, window_to) -%}
    case
        when {{ window_from }} is null or {{ period_from }} is null
            or {{ period_to }} < {{ window_from }} or {{ period_from }} > {{ window_to }} then 'non mesuré'
        when {{ period_from }} >= {{ window_from }} and {{ period_to }} <= {{ window_to }} then 'mesuré'
        else 'partiellement mesuré'
    end
{%- endmacro %}

{#- The window as users read it: « mesure web du 01/06/2025 au 15/07/2026 », or « aucune mesure
    web » without one (`what`: « mesure web »). -#}
{% macro measurement_window_label(what, window_from, window_to) -%}
    case
        when {{ window_from }} is null then 'aucune {{ what }}'
        else {{ dbt.concat(["'" ~ what ~ " du '", publics.french_date(window_from), "' au '", publics.french_date(window_to)]) }}
    end
{%- endmacro %}

{#- Today in the institution's time zone (var `local_timezone`), or the var `today`
    (YYYY-MM-DD, e.g. a replay of a past day; the demo passes its own day through the
    environment variable PUBLICS_TODAY). -#}
{% macro local_today() -%}
    {%- set today = var('today', none) or env_var('PUBLICS_TODAY', '') -%}
    {%- if today -%}
    cast('{{ today }}' as date)
    {%- else -%}
    {{ publics.local_date(dbt.current_timestamp()) }}
    {%- endif -%}
{%- endmacro %}

{#- What a campaign's days of spend are against the web window (else its season's, for a campaign
    without spend): `alias` is a relation with first_spend_date, last_spend_date and season,
    joined to `web_window` (dashboards 2 and 7). -#}
{% macro campaign_measurement_status(alias) -%}
    {{ publics.measurement_status(
        "coalesce(" ~ alias ~ ".first_spend_date, " ~ publics.season_start_date(alias ~ '.season') ~ ")",
        "coalesce(" ~ alias ~ ".last_spend_date, " ~ dbt.dateadd('day', -1, dbt.dateadd('year', 1, publics.season_start_date(alias ~ '.season'))) ~ ")",
        'web_window.measured_from', 'web_window.measured_to') }}
{%- endmacro %}
