{#- The unit (an id of publics.kpis.UNITS: share, eur, days, ratio, count) of a measured figure,
    from the name of the column it measures — the project's naming convention (`…_share`,
    `…_rate` a share of 0 to 1, `…_eur` euros, `days_…` / `…_days` days, `…_ratio` a ratio);
    a whole number under another name is a count; null otherwise (a plain number). Dashboard 18
    formats each row's figure by it (`value_unit`), so 0.0041 reads « 0,41 % », not « 0,00 ». -#}
{% macro unit_of_column(name_expr, number_expr) -%}
    case
        when {{ number_expr }} is null then null
        when {{ publics.regex_matches(name_expr, '_(share|rate)$') }} then 'share'
        when {{ publics.regex_matches(name_expr, '_eur$') }} then 'eur'
        when {{ publics.regex_matches(name_expr, '(^days_|_days$)') }} then 'days'
        when {{ publics.regex_matches(name_expr, '_ratio$') }} then 'ratio'
        when {{ number_expr }} = floor({{ number_expr }}) then 'count'
    end
{%- endmacro %}
