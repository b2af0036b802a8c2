{#- A stable pseudonymous key for a direct identifier (email…): hashed after trimming and
    lower-casing, so that "Anne.Dupont@Exemple.fr " and "anne.dupont@exemple.fr" agree. -#}
{% macro pseudonymise(column) -%}
    case when nullif(trim({{ column }}), '') is not null
        then {{ dbt.hash("lower(trim(" ~ column ~ "))") }}
    end
{%- endmacro %}
