{#- A text with every absolute file path reduced to its last component (`/home/jdupont/inbox`
    → `…/inbox`): the run history's steps and messages name folders, and a home folder names
    a person (the OS user). -#}
{% macro mask_paths(expression) -%}
    regexp_replace({{ expression }}, '(/[^/[:space:]:]+)+/', '…/', 'g')
{%- endmacro %}
