{#- The département (INSEE code) of a postcode: its first two digits, three overseas (97x, 98x),
    and Corsica split by the postcode's third digit — 200xx and 201xx are Corse-du-Sud (2A),
    202xx to 206xx Haute-Corse (2B), the rule La Poste's codes follow (Ajaccio 20000, Porto-Vecchio
    20137, Bastia 20200 and 20600, Corte 20250). Null for a foreign address (`country_code` other
    than FR) or no postcode: those are counted apart (« Étranger », « Code postal inconnu »), never
    guessed. DECISIONLOG « Geography: the département from the postcode ». -#}
{% macro departement_of_postcode(postcode, country_code) -%}
    {{ return(adapter.dispatch('departement_of_postcode', 'publics')(postcode, country_code)) }}
{%- endmacro %}

{% macro default__departement_of_postcode(postcode, country_code) -%}
    case
        when {{ country_code }} <> 'FR' or {{ postcode }} is null then null
        when {{ postcode }} like '97%' or {{ postcode }} like '98%' then substring({{ postcode }}, 1, 3)
        when {{ postcode }} like '200%' or {{ postcode }} like '201%' then '2A'
        when {{ postcode }} like '20%' then '2B'
        else substring({{ postcode }}, 1, 2)
    end
{%- endmacro %}
