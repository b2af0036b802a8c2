{#- A number as a tool's user interface displays it, in English or in French — the paid-media
    UI exports (docs/formats.md §4): "1,234.56" and "12,034" (English thousands commas),
    "1 234,56" (French, with a space, a no-break or a narrow no-break space), "45,12", "45.12",
    "1.234,56"; "--" (Google Ads' "no value") and empty → null. A comma followed by groups of
    exactly three digits is a thousands separator (so a French "1,234" meaning 1.234 would be
    misread: the UIs write amounts with two decimals); any other comma is the decimal mark. -#}
{% macro parse_decimal_any(column, scale=2) -%}
    {{ return(adapter.dispatch('parse_decimal_any', 'publics')(column, scale)) }}
{%- endmacro %}

{% macro default__parse_decimal_any(column, scale) -%}
    {%- set bare = "translate(trim(" ~ column ~ "), ' ' || chr(160) || chr(8239), '')" -%}
    cast(
        case
            when nullif(trim({{ column }}), '') is null or trim({{ column }}) = '--' then null
            when {{ bare }} ~ '^-?[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?$' then replace({{ bare }}, ',', '')
            when {{ bare }} ~ '^-?[0-9]{1,3}([.][0-9]{3})+,[0-9]+$' then replace(replace({{ bare }}, '.', ''), ',', '.')
            else replace({{ bare }}, ',', '.')
        end
    as numeric(14, {{ scale }}))
{%- endmacro %}

{#- A count displayed either way ("12,034", "18 204", "950") → integer. -#}
{% macro parse_integer_any(column) -%}
    cast({{ publics.parse_decimal_any(column, 0) }} as {{ dbt.type_bigint() }})
{%- endmacro %}
