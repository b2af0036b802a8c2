{#- Keep the latest version of each record across overlapping deliveries.
    Rule: the highest `updated_at` (the source's own last-update time) wins; on a tie, the row
    loaded last (`_loaded_at`), then the later file name, then the later line of the file.
    Usage, as a CTE body: `latest as ({{ latest_record('typed', 'order_id', 'updated_at') }})`
    where the relation/CTE carries the raw metadata columns.

    Per field (`fields`, a mapping {output column: raw column}): a delta that lacks a column did
    not deliver that field, its NULL is "not delivered", not "empty". Each field listed then
    takes its value from the latest version *whose file delivered that raw column* (a file that
    delivered the column with an empty value does set it empty). The relation must carry
    `_columns_delivered` (the file's columns, from `raw.load_columns`; NULL: every column
    delivered — files loaded before the ledger recorded columns, JSON records). A field whose
    raw column is `none` (a required column of the contract: in every file) is the latest
    version's. With `fields`, the result has the key, `updated_at`, the fields and the metadata
    columns only: list every field the model reads. A window function returns its type without
    its modifier: cast a per-field numeric(p, s) again in the model's final CTE.
    Why per field rather than per row: DECISIONLOG.md, "Deliveries that lack a column". -#}
{% macro latest_record(relation, key, updated_at, fields=none, file_dated_at=none) -%}
    {{ return(adapter.dispatch('latest_record', 'publics')(relation, key, updated_at, fields, file_dated_at)) }}
{%- endmacro %}

{% macro default__latest_record(relation, key, updated_at, fields=none, file_dated_at=none) -%}
    {%- if updated_at == '_loaded_at' -%}
        {#- No record timestamp (ad reports, social insights, Mailchimp reports, spreadsheets, GA4
            days): the last file loaded must not win blindly — an old export re-delivered after a
            correction would undo it (file_version_order). -#}
        {%- set version_order = publics.file_version_order(file_dated_at) -%}
    {%- else -%}
        {%- set version_order = updated_at ~ ' desc nulls last, _loaded_at desc, _source_file desc, _row_number desc' -%}
    {%- endif -%}
    {%- if fields is none %}
    select *
    from (
            select
                versions.*,
                row_number() over (
                    partition by {{ key }}
                    order by {{ version_order }}
                ) as _version_rank
            from {{ relation }} as versions
    ) as ranked
    where _version_rank = 1
    {%- else %}
    select *
    from (
            select
                versions.{{ key }},
                versions.{{ updated_at }},
                {%- for field, column in fields.items() %}
                {%- if column %}
                first_value(versions.{{ field }}) over (
                    partition by versions.{{ key }}
                    order by case when {{ publics.is_delivered(column) }} then 0 else 1 end, {{ version_order }}
                ) as {{ field }},
                {%- else %}
                versions.{{ field }},
                {%- endif %}
                {%- endfor %}
                versions._source_file,
                versions._row_number,
                versions._loaded_at,
                row_number() over (
                    partition by versions.{{ key }}
                    order by {{ version_order }}
                ) as _version_rank
            from {{ relation }} as versions
    ) as ranked
    where _version_rank = 1
    {%- endif %}
{%- endmacro %}

{#- Whether the file of a raw row delivered `column` (true when the ledger has no record of the
    file's columns). Reads `_columns_delivered`, a text array. -#}
{% macro is_delivered(column) -%}
    {{ return(adapter.dispatch('is_delivered', 'publics')(column)) }}
{%- endmacro %}
{% macro default__is_delivered(column) -%}
    (_columns_delivered is null or '{{ column }}' = any(_columns_delivered))
{%- endmacro %}

{#- The order of the versions of a record without a record timestamp, newest first, as an ORDER BY
    list over raw rows (`_source_file`, `_loaded_at`, `_row_number`): what the file says of itself
    (`file_dated_at`, an expression: `_file_dated_at` from file_dates, the end of its report
    period; files that say it come first), then the date in its name (else its arrival day),
    then the order of arrival. The one rule of staging (latest_record) and of the late deliveries
    it reports (quality_stale_deliveries). Why: DECISIONLOG.md, "Versions of a report ordered by
    what the file says". -#}
{% macro file_version_order(file_dated_at=none) -%}
    {{ return(adapter.dispatch('file_version_order', 'publics')(file_dated_at)) }}
{%- endmacro %}
{% macro default__file_version_order(file_dated_at=none) -%}
    {%- if file_dated_at %}{{ file_dated_at }} desc nulls last, {% endif -%}
    {{ publics.file_version_date('_source_file', '_loaded_at') }} desc, _loaded_at desc, _source_file desc, _row_number desc
{%- endmacro %}

{#- The date a delivered file stands for, as 'YYYY-MM-DD' text (compared as text: a name with an
    impossible date never fails a cast): what the file says of itself (`dated_at`, an
    expression, when given), else the first date in its name (2026-03-15, 20260315,
    2026_03_15; a month alone, 2026-03, counts as its first day), else the day it arrived. -#}
{% macro file_version_date(file_name, loaded_at, dated_at=none) -%}
    {{ return(adapter.dispatch('file_version_date', 'publics')(file_name, loaded_at, dated_at)) }}
{%- endmacro %}
{% macro default__file_version_date(file_name, loaded_at, dated_at=none) -%}
    {%- set day = '(20[0-9]{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12][0-9]|3[01])' -%}
    {%- set month = '(20[0-9]{2})[-_](0[1-9]|1[0-2])' -%}
    coalesce(
        {% if dated_at %}cast(cast({{ dated_at }} as date) as {{ dbt.type_string() }}),{% endif %}
        {{ publics.regex_capture(file_name, day, 1) }} || '-' || {{ publics.regex_capture(file_name, day, 2) }}
        || '-' || {{ publics.regex_capture(file_name, day, 3) }},
        {{ publics.regex_capture(file_name, month, 1) }} || '-' || {{ publics.regex_capture(file_name, month, 2) }} || '-01',
        cast(cast({{ loaded_at }} as date) as {{ dbt.type_string() }})
    )
{%- endmacro %}

{#- Each raw row of `relation` with `_file_dated_at`, the day its file says it stands for, as
    `latest_record(…, '_loaded_at', file_dated_at='_file_dated_at')` orders versions by it: the end of
    the report period the file states — above its header (a Google Ads UI download's date-range
    line, recorded at ingestion in `raw.load_file_dates`), else in its rows (`period_end`, an
    expression over the raw columns, e.g. Meta's `Fin des rapports` / the API's `date_stop`: the
    latest of the file). A file cannot have been exported before the end of its period; no export
    date was found in these layouts (docs/formats.md §4). NULL when the file says nothing: the
    date in its name, then its arrival, decide (file_version_date). Usage, as a CTE body:
    `source as ({{ file_dates(source('ads', 'meta_ads_insights'), publics.parse_date_any('date_stop')) }})`. -#}
{% macro file_dates(relation, period_end=none) -%}
    {{ return(adapter.dispatch('file_dates', 'publics')(relation, period_end)) }}
{%- endmacro %}

{% macro default__file_dates(relation, period_end=none) -%}
    select
        dated_rows.*,
        coalesce(
            stated.report_end
            {%- if period_end %},
            max({{ period_end }}) over (partition by dated_rows._batch_id, dated_rows._file_hash, dated_rows._source_file)
            {%- endif %}
        ) as _file_dated_at
    from {{ relation }} as dated_rows
    left join {{ source('ingestion', 'load_file_dates') }} as stated
        on dated_rows._batch_id = stated.batch_id and dated_rows._file_hash = stated.file_hash
{%- endmacro %}
