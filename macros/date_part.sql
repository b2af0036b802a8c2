{#- A date part as an integer (dbt's cross-database macros have no date_part). -#}
{% macro date_part(part, date_expr) -%}
    {{ return(adapter.dispatch('date_part', 'publics')(part, date_expr)) }}
{%- endmacro %}

{% macro default__date_part(part, date_expr) -%}
    cast(extract({{ part }} from {{ date_expr }}) as integer)
{%- endmacro %}
