{#- Two postcodes that do not contradict: equal, or one of them unknown (identity resolution's
    rule, glossary « résolution d'identité »): the contacts' name and birth date rule and the
    invitees' name and postcode match both read it. -#}
{% macro postcodes_agree(a, b) -%}
    ({{ a }} = {{ b }} or {{ a }} is null or {{ b }} is null)
{%- endmacro %}
