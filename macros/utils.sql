{#- The few dbt_utils macros the project needs (the package hub is not reachable from every
    machine the project runs on), cross-database through adapter.dispatch. Each is tested by a
    singular test in tests/dbt/macros/. -#}

{#- A stable key from several columns: md5 of their text joined by '-', null as a marker so
    that (null, 'a') and ('', 'a') differ. -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'publics')(columns)) }}
{%- endmacro %}
{% macro default__surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(" ~ dbt.cast(column, api.Column.translate_type('string')) ~ ", '_publics_null_')") -%}
        {%- if not loop.last %}{% do parts.append("'-'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- The value of query parameter `name` in a URL (text after `name=` up to `&` or `#`), with
    `+` and `%20` read as spaces; null when absent. -#}
{% macro url_parameter(url, name) -%}
    {{ return(adapter.dispatch('url_parameter', 'publics')(url, name)) }}
{%- endmacro %}
{% macro default__url_parameter(url, name) -%}
    nullif(replace(replace(
        {{ publics.regex_capture(url, '[?&]' ~ name ~ '=([^&#]*)', 1) }},
        '+', ' '), '%20', ' '), '')
{%- endmacro %}

{#- Every day from start_date to end_date included, as a relation with one column `date_day`
    (use as a CTE body). -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'publics')(start_date, end_date)) }}
{%- endmacro %}
{% macro default__date_spine(start_date, end_date) -%}
    select cast(day as date) as date_day
    from generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval '1 day') as days(day)
{%- endmacro %}
{% macro bigquery__date_spine(start_date, end_date) -%}
    select date_day
    from unnest(generate_date_array(cast({{ start_date }} as date), cast({{ end_date }} as date))) as date_day
{%- endmacro %}
