{#- The one predicate by which a model that scores (`profiling`) or lists for marketing
    (`marketing`) persons leaves out those who object (GDPR art. 21, int_gdpr__objections):
    `where {{ gdpr_not_objecting('profiling', 'orders.buyer_person_key') }}`. -#}
{% macro gdpr_not_objecting(kind, person_key) -%}
    {%- if kind not in ('profiling', 'marketing') -%}
        {{ exceptions.raise_compiler_error("gdpr_not_objecting: kind " ~ kind ~ " is neither profiling nor marketing") }}
    {%- endif -%}
    {{ person_key }} not in (
        select objections.person_key from {{ ref('int_gdpr__objections') }} as objections
        where objections.objects_to_{{ kind }})
{%- endmacro %}
