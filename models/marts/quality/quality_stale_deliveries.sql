{#- Deliveries older than what they would replace. For the reports without a record timestamp
    (ad reports, Mailchimp reports): a file that arrived after another one holding the same
    records, but says of itself (the date in its name) that it is older — an old export
    re-delivered (re-saved, so not byte-identical) after a correction. For GA4 days: an intraday
    table that arrived after the daily table of its day (its name says which table it is). Staging keeps the newer
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

-- GA4 days (stg_ga4__deliveries): a file not kept that arrived, in a later ingestion, after a
-- kept file of its day (an intraday table after the daily one; in one ingestion, the order of
-- the file names is no order of arrival)
ga4_days as (
    select * from {{ ref('stg_ga4__deliveries') }}
),

ga4_late as (
    select
        'ga4/events' as entity,
        late.source_file as late_file,
        late.export_table || ' du ' || late.event_date as late_file_date,
        kept.source_file as kept_file,
        kept.export_table || ' du ' || kept.event_date as kept_file_date,
        late.events as records
    from ga4_days as late
    inner join ga4_days as kept
        on late.event_date = kept.event_date and late.stream_key = kept.stream_key
    where
        kept.is_kept
        and not late.is_kept
        and late.loaded_at > kept.loaded_at
        and late.batch_id != kept.batch_id
),

-- every late row (a report line counts one, a GA4 file-day its events), then one row per pair of files
late_rows as (
    select
        late.*,
        1 as records
    from late
    union all
    select * from ga4_late
),

final as (
    select
        entity,
        late_file,
        late_file_date,
        kept_file,
        kept_file_date,
        sum(records) as records,
        late_file || ' (du ' || late_file_date || ') livré après ' || kept_file || ' (du ' || kept_file_date
        || ') : ' || cast(sum(records) as {{ dbt.type_string() }}) || ' ligne(s) plus ancienne(s) non reprise(s)'
            as stale_description
    from late_rows
    group by entity, late_file, late_file_date, kept_file, kept_file_date
)

select * from final
