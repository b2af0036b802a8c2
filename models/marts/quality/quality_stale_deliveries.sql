{#- Deliveries older than what they would replace, for the reports without a record timestamp
    (ad reports, Mailchimp reports): a file that arrived after another one holding the same
    records, but says of itself (the date in its name) that it is older — an old export
    re-delivered (re-saved, so not byte-identical) after a correction. Staging keeps the newer
    version (macros/latest_record.sql); this names the file that was not taken, for dashboard 18
    (a warning: expectations/quality/delivery_gaps.yml). One row per late file and kept file. -#}
{#- The reports without a record timestamp, with their records' key: macros/source_entities.sql. -#}
{%- set reports = [] -%}
{%- for e in publics.raw_entities() if e.file_dated_key -%}
    {%- do reports.append((e.source, e.entity, e.file_dated_key)) -%}
{%- endfor -%}

with
{% for source_name, table, key in reports %}
{{ table }} as (
    select
        '{{ source_name }}/{{ table }}' as entity,
        {{ publics.surrogate_key(key) }} as record_key,
        _source_file,
        _row_number,
        _loaded_at,
        {{ publics.file_version_date('_source_file', '_loaded_at') }} as file_date
    from {{ source(source_name, table) }}
),
{% endfor %}

versions as (
    {%- for _source_name, table, _key in reports %}
    select * from {{ table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- the same order as latest_record for these sources: the file's date, then arrival
ranked as (
    select
        versions.*,
        row_number() over (
            partition by entity, record_key
            order by file_date desc, _loaded_at desc, _source_file desc, _row_number desc
        ) as version_rank
    from versions
),

kept as (
    select * from ranked where version_rank = 1
),

late as (
    select
        ranked.entity,
        ranked._source_file as late_file,
        ranked.file_date as late_file_date,
        kept._source_file as kept_file,
        kept.file_date as kept_file_date
    from ranked
    inner join kept on ranked.entity = kept.entity and ranked.record_key = kept.record_key
    where
        ranked.version_rank > 1
        and ranked._loaded_at > kept._loaded_at
        and ranked.file_date < kept.file_date
),

final as (
    select
        entity,
        late_file,
        late_file_date,
        kept_file,
        kept_file_date,
        count(*) as records,
        late_file || ' (du ' || late_file_date || ') livré après ' || kept_file || ' (du ' || kept_file_date
        || ') : ' || cast(count(*) as {{ dbt.type_string() }}) || ' ligne(s) plus ancienne(s) non reprise(s)'
            as stale_description
    from late
    group by entity, late_file, late_file_date, kept_file, kept_file_date
)

select * from final
