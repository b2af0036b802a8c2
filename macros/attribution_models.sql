{#- The attribution models of fct_attribution_credits and their French labels, written once. -#}
{% macro attribution_models() -%}
    {{ return([
        ('last_non_direct', 'Dernier clic non direct'), ('first_click', 'Premier clic'), ('last_click', 'Dernier clic'),
        ('linear', 'Linéaire'), ('position_based', 'En U (40/20/40)'), ('time_decay', 'Décroissance temporelle')]) }}
{%- endmacro %}

{#- The French label of the attribution model in `expr`. -#}
{% macro attribution_model_label(expr) -%}
    case {{ expr }}
        {%- for model, label in publics.attribution_models() %}
        when '{{ model }}' then '{{ label }}'
        {%- endfor %}
    end
{%- endmacro %}
