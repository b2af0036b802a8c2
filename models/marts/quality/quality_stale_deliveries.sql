{#- Deliveries older than what they would replace. For the reports without a record timestamp
    (ad reports, social statistics, Mailchimp reports, the teams' budget and UTM workbooks:
    macros/source_entities.sql, file_dated_reports): a file that arrived after another one
    holding the same records, but that the order of versions puts behind it — what the file says
    of its date (the end of its report period), then the date in its name — an old export
    re-delivered (re-saved, so not byte-identical) after a correction. The order is staging's own
    (file_version_order): staging keeps the newer version, this names the file that was not
    taken. For GA4 days: an intraday table that arrived after the daily table of its day (its
    name says which table it is). For dashboard 18 (a warning: expectations/quality/stale_deliveries.yml).
    One row per late file and kept file. -#}
{%- set reports = publics.file_dated_reports() -%}

with
{% for e in reports %}
{{ e.source }}__{{ e.entity }} as (
    select
        '{{ e.source }}/{{ e.entity }}' as entity,
        {{ publics.surrogate_key(e.key) }} as record_key,
        _source_file,
        _row_number,
        _loaded_at,
        _file_dated_at,
        -- the date that put the file behind: what it says of itself, else its name's (or its arrival day)
        coalesce(
            cast(_file_dated_at as {{ dbt.type_string() }}),
            {{ publics.file_version_date('_source_file', '_loaded_at') }}
        ) as file_date
    from ({{ publics.file_dates(source(e.source, e.entity), e.period_end) }}) as delivered
    {%- if e.records %}
    where {{ e.records }}
    {%- endif %}
),
{% endfor %}

versions as (
    {%- for e in reports %}
    select * from {{ e.source }}__{{ e.entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- the order of latest_record: what the file says of its date, its name's, then arrival
ranked as (
    select
        versions.*,
        row_number() over (
            partition by entity, record_key
            order by {{ publics.file_version_order('_file_dated_at') }}
        ) as version_rank
    from versions
),

kept as (
    select * from ranked where version_rank = 1
),

-- a version put behind the kept one that arrived after it: its file says it is older
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
