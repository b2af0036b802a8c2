{#- Measurement windows and the current season (see models/intermediate/quality/
    int_quality__measurement_windows.sql and models/marts/core/dim_current_season.sql). -#}

{#- The web analytics tool whose sessions are attribution touchpoints, as a one-column select
    (`tool`) over `sessions` (int_web__sessions): the var `attribution_web_tool` (matomo | ga4),
    or with `auto` the tool that recorded the most sessions. Read by the touchpoints and by the
    measurement windows, so that both name the same tool. -#}
{% macro attribution_web_tool_select(sessions) -%}
    {% if var('attribution_web_tool', 'auto') == 'auto' -%}
    select coalesce(max(case when tool_rank = 1 then tool end), 'matomo') as tool
    from (select tool, row_number() over (order by count(*) desc, tool desc) as tool_rank
          from {{ sessions }} group by tool) as counted
    {%- else -%}
    select '{{ var("attribution_web_tool") }}' as tool
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
