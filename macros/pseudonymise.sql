{#- A stable pseudonymous key for a direct identifier (email…): hashed after trimming and
    lower-casing, so that "Anne.Dupont@Exemple.fr " and "anne.dupont@exemple.fr" agree. -#}
{% macro pseudonymise(column) -%}
    case when nullif(trim({{ column }}), '') is not null
        then {{ dbt.hash("lower(trim(" ~ column ~ "))") }}
    end
{%- endmacro %}

{#- Letters without their accents and ligatures, lower case (for matching names typed with or
    without accents: "Hélène DUPRÉ" = "helene dupre"). -#}
{% macro fold_accents(expr) -%}
    translate(replace(replace(lower({{ expr }}), 'œ', 'oe'), 'æ', 'ae'),
        'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ', 'aaaaaaceeeeiiiinooooouuuuyy')
{%- endmacro %}

{#- A pseudonymous key of a person's name: last and first names folded (no accents, case,
    spaces, hyphens or apostrophes), hashed. Null unless both names are known. -#}
{% macro name_key(last_name, first_name) -%}
    {%- set last = publics.regex_replace_all(publics.fold_accents(last_name), '[^a-z]', '') -%}
    {%- set first = publics.regex_replace_all(publics.fold_accents(first_name), '[^a-z]', '') -%}
    case when nullif(trim({{ last_name }}), '') is not null and nullif(trim({{ first_name }}), '') is not null
        then {{ dbt.hash(last ~ " || '|' || " ~ first) }}
    end
{%- endmacro %}
