{#- The season (saison) a date belongs to: September → August, labelled `2025-26`.
    The first month is the var `season_start_month` (9). -#}
{% macro season_of(date_expr) -%}
    {{ return(adapter.dispatch('season_of', 'publics')(date_expr)) }}
{%- endmacro %}

{% macro default__season_of(date_expr) -%}
    {%- set start_year -%}
        ({{ publics.date_part('year', date_expr) }} - case when {{ publics.date_part('month', date_expr) }} < {{ var('season_start_month', 9) }} then 1 else 0 end)
    {%- endset -%}
    case when {{ date_expr }} is not null then
        {{ dbt.concat([
            dbt.cast(dbt.cast(start_year, api.Column.translate_type('integer')), api.Column.translate_type('string')),
            "'-'",
            dbt.right(dbt.cast(dbt.cast(start_year ~ ' + 1', api.Column.translate_type('integer')), api.Column.translate_type('string')), '2')
        ]) }}
    end
{%- endmacro %}

{#- The first day of a season label: `2025-26` → 2025-09-01 (var season_start_month). -#}
{% macro season_start_date(season_expr) -%}
    cast({{ dbt.concat(["substring(" ~ season_expr ~ ", 1, 4)", "'-" ~ '%02d' % var('season_start_month', 9) ~ "-01'"]) }} as date)
{%- endmacro %}

{#- The season before a season label: `2025-26` → `2024-25`. -#}
{% macro previous_season(season_expr) -%}
    {{ publics.season_of(dbt.dateadd('year', -1, publics.season_start_date(season_expr))) }}
{%- endmacro %}

{#- The season after a season label: `2025-26` → `2026-27`. -#}
{% macro next_season(season_expr) -%}
    {{ publics.season_of(dbt.dateadd('year', 1, publics.season_start_date(season_expr))) }}
{%- endmacro %}

{#- The institution's calendar day of a moment (timestamp with time zone): its date in the var
    `local_timezone` (Europe/Paris), not the database session's — a visit at 23:30 UTC on
    31 August is on 1 September in Paris, in the next season. -#}
{% macro local_date(timestamp_expr) -%}
    cast({{ publics.to_wall_clock(timestamp_expr, var('local_timezone', 'Europe/Paris')) }} as date)
{%- endmacro %}
