{#- The whole numbers 0 … `upper` as a column `n` (the days before a performance of dashboard 4). -#}
{% macro number_spine(upper) -%}
    {{ return(adapter.dispatch('number_spine', 'publics')(upper)) }}
{%- endmacro %}
{% macro default__number_spine(upper) -%}
    select n from generate_series(0, {{ upper }}) as numbers(n)
{%- endmacro %}
{% macro bigquery__number_spine(upper) -%}
    select n from unnest(generate_array(0, {{ upper }})) as n
{%- endmacro %}

{#- Days before the performance (0 = its day) an event of `day_expr` counts at on a sales curve:
    what happened before the window counts at its first day, what happened after the
    performance at its day. -#}
{% macro curve_day(performance_date, day_expr) -%}
    least({{ var('box_office_curve_days') }}, greatest(0, {{ dbt.datediff(day_expr, performance_date, 'day') }}))
{%- endmacro %}

{#- A final figure forecast from what is sold and the share of their final sales comparables had
    reached by the same day: sold ÷ share, never below what is sold nor above the capacity;
    null without a share (no comparable), the capacity when the comparables had sold nothing yet
    but this one has. -#}
{% macro forecast_from_share(sold, share, capacity) -%}
    case
        when {{ share }} is null then null
        when {{ share }} > 0 then least({{ capacity }}, greatest({{ sold }}, round({{ sold }} / {{ share }})))
        when {{ sold }} > 0 then {{ capacity }}
    end
{%- endmacro %}
