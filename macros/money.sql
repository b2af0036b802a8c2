{#- Money is carried in thousandths of a euro, never rounded on the way: SecuTix prices carry
    fractions of a cent (a subscription's per-show share: 125 € over 3 shows is 41.667 €), and
    rounding each ticket before summing drifts (three tickets at 33.333 € are 99.999 €, not
    99.99 €). `money(expr)`: the type every money column has through staging, intermediate and
    marts, dashboards' datasets included (numeric(14, 3)). The cent is reached once, at the
    figure the user reads: the card's query (`round(sum(revenue_eur), 2)`, dashboards/*.yml),
    never before summing. DECISIONLOG « Money in thousandths ». -#}
{% macro money(expr) -%}
    cast({{ expr }} as numeric(14, 3))
{%- endmacro %}

