{#- Typing of the values French exports deliver as text. Empty strings are nulls. -#}

{#- "1 234,50" / "45,5" / "45.50" / "1 200,50 €" → numeric. A comma is the decimal mark whenever
    there is one (then dots are thousands separators); spaces, including non-breaking ones, and a
    euro sign typed with the amount are dropped. -#}
{% macro parse_decimal_fr(column, scale=2) -%}
    {{ return(adapter.dispatch('parse_decimal_fr', 'publics')(column, scale)) }}
{%- endmacro %}

{% macro default__parse_decimal_fr(column, scale) -%}
    cast(
        case
            when nullif(trim({{ column }}), '') is null then null
            when {{ column }} like '%,%' then replace(replace(translate({{ column }}, ' €' || chr(160) || chr(8239), ''), '.', ''), ',', '.')
            else translate({{ column }}, ' €' || chr(160) || chr(8239), '')
        end
    as numeric(14, {{ scale }}))
{%- endmacro %}

{#- "15/03/2026" → date. -#}
{% macro parse_date_fr(column) -%}
    {{ return(adapter.dispatch('parse_date_fr', 'publics')(column)) }}
{%- endmacro %}

{% macro default__parse_date_fr(column) -%}
    to_date(nullif(trim({{ column }}), ''), 'DD/MM/YYYY')
{%- endmacro %}

{#- "15/03/2026 20:00:00" (or without seconds), a local wall-clock time of the institution
    (var `local_timezone`) → timestamp with time zone. -#}
{% macro parse_timestamp_fr(column) -%}
    {{ return(adapter.dispatch('parse_timestamp_fr', 'publics')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp_fr(column) -%}
    {{ publics.from_wall_clock(
        "cast(to_timestamp(nullif(trim(" ~ column ~ "), ''), 'DD/MM/YYYY HH24:MI:SS') as " ~ dbt.type_timestamp() ~ ")",
        var('local_timezone', 'Europe/Paris')) }}
{%- endmacro %}

{#- SecuTix amounts are integers in thousandths of the currency: 45500 → 45.50 €, 41667 →
    41.667 € (kept: money is rounded once, when shown; macros/money.sql). -#}
{% macro secutix_amount(column) -%}
    {{ publics.money("cast(nullif(trim(" ~ column ~ "), '') as numeric) / 1000") }}
{%- endmacro %}

{#- Text cleaned of padding; empty → null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- A date written either way teams and tools write it: ISO (2026-03-14, possibly followed by a
    time) or French (14/03/2026). Anything else → null (the quality checks count them). -#}
{% macro parse_date_any(column) -%}
    {{ return(adapter.dispatch('parse_date_any', 'publics')(column)) }}
{%- endmacro %}

{% macro default__parse_date_any(column) -%}
    case
        when trim({{ column }}) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' then to_date(substring(trim({{ column }}), 1, 10), 'YYYY-MM-DD')
        when trim({{ column }}) ~ '^[0-9]{2}/[0-9]{2}/[0-9]{4}' then to_date(substring(trim({{ column }}), 1, 10), 'DD/MM/YYYY')
    end
{%- endmacro %}

{#- An ISO 8601 timestamp with its offset (2026-03-03T09:00:00.000+01:00), as APIs write them. -#}
{% macro parse_timestamp_iso(column) -%}
    cast(nullif(trim({{ column }}), '') as {{ dbt.type_timestamp() }} with time zone)
{%- endmacro %}

{#- "2026-03-04 18:22:05", a time in UTC written without its offset (Mailchimp's audience
    export) → timestamp with time zone. -#}
{% macro parse_timestamp_utc(column) -%}
    {{ publics.from_wall_clock("cast(nullif(trim(" ~ column ~ "), '') as " ~ dbt.type_timestamp() ~ ")", 'UTC') }}
{%- endmacro %}

{#- A count written with thousands separators ("3 200", "12 450") → integer. -#}
{% macro parse_integer(column) -%}
    cast({{ publics.parse_decimal_fr(column, 0) }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- A yes/no cell as teams type it (oui, non, x, vrai, true, 1…) → boolean, null if empty or unknown. -#}
{% macro parse_bool_fr(column) -%}
    case
        when lower(trim({{ column }})) in ('oui', 'o', 'yes', 'y', 'x', 'vrai', 'true', '1') then true
        when lower(trim({{ column }})) in ('non', 'n', 'no', 'faux', 'false', '0') then false
    end
{%- endmacro %}

{#- A date as French readers write it: 2025-06-01 → `01/06/2025` (text). -#}
{% macro french_date(date_expr) -%}
    {{ return(adapter.dispatch('french_date', 'publics')(date_expr)) }}
{%- endmacro %}

{% macro default__french_date(date_expr) -%}
    to_char({{ date_expr }}, 'DD/MM/YYYY')
{%- endmacro %}
