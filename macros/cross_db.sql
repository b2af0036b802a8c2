{#- The PostgreSQL-only syntax the models used to write inline (jsonb operators, `at time zone`,
    `materialized` CTEs), behind adapter.dispatch: a second adapter adds its own `<adapter>__`
    variants here, the models stay as they are. `default__` is standard SQL where the standard
    has the construct; `postgres__` is what the project runs. Each is tested by
    tests/dbt/macros/assert_cross_db_macros.sql. -#}

{#- The JSON type the raw tables store documents in. -#}
{% macro type_json() -%}
    {{ return(adapter.dispatch('type_json', 'publics')()) }}
{%- endmacro %}
{% macro default__type_json() -%}
    json
{%- endmacro %}
{% macro postgres__type_json() -%}
    jsonb
{%- endmacro %}

{#- The member `key` of a JSON object, as JSON (null when absent or not an object). -#}
{% macro json_get(expr, key) -%}
    {{ return(adapter.dispatch('json_get', 'publics')(expr, key)) }}
{%- endmacro %}
{% macro default__json_get(expr, key) -%}
    json_query({{ expr }}, '$.{{ key }}')
{%- endmacro %}
{% macro postgres__json_get(expr, key) -%}
    ({{ expr }} -> '{{ key }}')
{%- endmacro %}

{#- The member `key` of a JSON object, as text (a string unquoted, a number as written; null
    when absent). -#}
{% macro json_text(expr, key) -%}
    {{ return(adapter.dispatch('json_text', 'publics')(expr, key)) }}
{%- endmacro %}
{% macro default__json_text(expr, key) -%}
    json_value({{ expr }}, '$.{{ key }}')
{%- endmacro %}
{% macro postgres__json_text(expr, key) -%}
    ({{ expr }} ->> '{{ key }}')
{%- endmacro %}

{#- Is the JSON value an array? (null when expr is null) -#}
{% macro json_is_array(expr) -%}
    {{ return(adapter.dispatch('json_is_array', 'publics')(expr)) }}
{%- endmacro %}
{% macro default__json_is_array(expr) -%}
    ({{ expr }} is json array)
{%- endmacro %}
{% macro postgres__json_is_array(expr) -%}
    (jsonb_typeof({{ expr }}) = 'array')
{%- endmacro %}

{#- A wall-clock time (timestamp without time zone) read in the time zone `tz` (an IANA name),
    as a moment (timestamp with time zone). -#}
{% macro from_wall_clock(timestamp_expr, tz) -%}
    {{ return(adapter.dispatch('from_wall_clock', 'publics')(timestamp_expr, tz)) }}
{%- endmacro %}
{% macro default__from_wall_clock(timestamp_expr, tz) -%}
    ({{ timestamp_expr }} at time zone '{{ tz }}')
{%- endmacro %}

{#- A moment (timestamp with time zone) as the wall-clock time of the time zone `tz`
    (timestamp without time zone). -#}
{% macro to_wall_clock(timestamp_expr, tz) -%}
    {{ return(adapter.dispatch('to_wall_clock', 'publics')(timestamp_expr, tz)) }}
{%- endmacro %}
{% macro default__to_wall_clock(timestamp_expr, tz) -%}
    ({{ timestamp_expr }} at time zone '{{ tz }}')
{%- endmacro %}

{#- The keyword that makes PostgreSQL (12+) compute a CTE once instead of inlining it at each
    reference: `name as {{ publics.materialized_cte() }} (…)`. Nothing elsewhere. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'publics')()) }}
{%- endmacro %}
{% macro default__materialized_cte() -%}
{%- endmacro %}
{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}

{#- The Levenshtein distance between two strings (insertions, deletions, substitutions of one
    character each; null when either is null). Warehouses that have it natively use it; PostgreSQL
    has it only in the `fuzzystrmatch` extension, which a plain server may lack and a read-only
    role cannot create, so `postgres__` computes it in SQL: one recursive step per character of `a`,
    each row of the matrix at once (a cell's left-neighbour chain is a running minimum). For the
    short names it compares (campaign names), not for long texts; `default__` is the name most
    engines give it (DuckDB, Spark). -#}
{% macro edit_distance(a, b) -%}
    {{ return(adapter.dispatch('edit_distance', 'publics')(a, b)) }}
{%- endmacro %}
{% macro default__edit_distance(a, b) -%}
    levenshtein({{ a }}, {{ b }})
{%- endmacro %}
{% macro postgres__edit_distance(a, b) -%}
    (
        with recursive edit_rows (i, d) as (
            select 0, array(select generate_series(0, char_length({{ b }})))
            union all
            select
                edit_rows.i + 1,
                array(
                    select min(cells.base - cells.j) over (order by cells.j) + cells.j
                    from (
                        select
                            j,
                            case
                                when j = 0 then edit_rows.i + 1
                                else least(
                                    edit_rows.d[j + 1] + 1,
                                    edit_rows.d[j] + case when substr({{ a }}, edit_rows.i + 1, 1) = substr({{ b }}, j, 1) then 0 else 1 end
                                )
                            end as base
                        from generate_series(0, char_length({{ b }})) as j
                    ) as cells
                    order by cells.j
                )
            from edit_rows
            where edit_rows.i < char_length({{ a }})
        )
        select edit_rows.d[char_length({{ b }}) + 1] from edit_rows where edit_rows.i = char_length({{ a }})
    )
{%- endmacro %}
{% macro snowflake__edit_distance(a, b) -%}
    editdistance({{ a }}, {{ b }})
{%- endmacro %}
{% macro bigquery__edit_distance(a, b) -%}
    edit_distance({{ a }}, {{ b }})
{%- endmacro %}

{#- For a model whose joins are equalities of text expressions over many raw rows: on PostgreSQL,
    no merge join for the rest of its transaction (a pre-hook; `set local` ends with the model's
    transaction). The planner costs a sort of text by bytes, not by the collation it sorts with:
    for int_gdpr__purge_targets it sorted the 187 k e-mail activity rows (1.4 s at scale 0.1)
    instead of hashing them — 3.1 s, 1.3 s with hash joins. -#}
{% macro prefer_hash_joins() -%}
    {{ return(adapter.dispatch('prefer_hash_joins', 'publics')()) }}
{%- endmacro %}
{% macro default__prefer_hash_joins() -%}
{%- endmacro %}
{% macro postgres__prefer_hash_joins() -%}
    set local enable_mergejoin = off
{%- endmacro %}
