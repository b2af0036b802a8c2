{#- The French label of an attribution model (fct_attribution_credits.attribution_model), as the
    dashboards show it (1 « Attribution & Ventes », 7 « Conquête jeune public »). -#}
{% macro attribution_model_label(expr) -%}
    case {{ expr }}
        when 'last_non_direct' then 'Dernier clic non direct'
        when 'first_click' then 'Premier clic'
        when 'last_click' then 'Dernier clic'
        when 'linear' then 'Linéaire'
        when 'position_based' then 'En U (40/20/40)'
        when 'time_decay' then 'Décroissance temporelle'
    end
{%- endmacro %}
