{#- Each load of a delivered file with rows, and the newest day its rows hold (the data's
    own date, per entity: macros/source_entities.sql): the base of the freshness on the data's
    date (quality_file_data_dates) and of the files the GDPR purge judges by their newest day
    (int_gdpr__purge_targets). A file's rows are all its versions as delivered (raw), so a
    re-sent old content shows its old dates. -#}
{%- set entities = publics.raw_entities() -%}
{%- set raw_tables = [] -%}
{%- set relations = [] -%}
{%- for e in entities -%}
    {%- do raw_tables.append([e.source, e.entity]) -%}
    {%- do relations.append(source(e.source, e.entity)) -%}
{%- endfor -%}

{#- Incremental by file load (macros/incremental.sql, incremental_new_files): one row per file
    loaded (a file of an ingestion run, `_batch_id`), and a loaded file does not change, so a
    daily run groups the rows of the files loaded since only. The key: a file loaded at one
    moment. Rows removed from raw (purge, forget) are no new load: publics/incremental.py has
    this model rebuilt whole then. -#}
{{ config(**publics.incremental_config(['source', 'entity', 'file_hash', 'loaded_at'], [], raw_tables)) }}
{%- set new_files = publics.incremental_new_files() -%}
{#- Built after the incremental staging models indexing the same raw tables: two pre-hooks making
    the same missing `_loaded_at` index at once fail (`if not exists` does not see an index
    another transaction is still creating). -#}
-- depends_on: {{ ref('stg_ga4__events') }}, {{ ref('stg_matomo__visits') }}, {{ ref('stg_secutix__orders') }}
-- depends_on: {{ ref('stg_secutix__tickets') }}, {{ ref('stg_emailing__mailchimp_email_activity') }}

with
{% for e in entities %}
{{ e.source }}__{{ e.entity }} as (
    select
        '{{ e.source }}' as source,
        '{{ e.entity }}' as entity,
        _source_file as file_name,
        _file_hash as file_hash,
        min(_loaded_at) as loaded_at,
        count(*) as rows_delivered,
        max({{ e.data_date }}) as data_until
    from {{ relations[loop.index0] }}
    {{- new_files }}
    group by _source_file, _file_hash, _batch_id
),
{% endfor %}

files as (
    {%- for e in entities %}
    select * from {{ e.source }}__{{ e.entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    source,
    entity,
    file_name,
    file_hash,
    loaded_at,
    rows_delivered,
    data_until,
    {{ publics.raw_loaded_through(relations) }} as raw_loaded_through
from files
