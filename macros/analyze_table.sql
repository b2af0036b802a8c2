{#- Refresh the planner's statistics of a table just built (post-hook of every model). -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'publics')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}analyze {{ this }}{%- endif -%}
{%- endmacro %}
