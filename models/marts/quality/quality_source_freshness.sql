{{ config(materialized='view') }}
{#- Freshness and load health of each source, from the load ledger, at query time (a view):
    when each source last delivered, how many of its files the latest run rejected, and how the
    rows of its latest file compare with the files before it of the same entity: with the
    median of the previous files with rows (vars `freshness_reference_files`,
    `freshness_min_reference_files`), so that a delta is judged against deltas; a header-only
    latest file (nothing changed that day) is not judged. Ratios rounded to 4 decimals.
    Freshness is shown twice: by the load (the latest file received) and by the data (the newest
    day the source's rows hold: quality_file_data_dates), each judged against the contract's
    thresholds; a source whose files keep arriving without newer data is stalled
    (quality_stalled_sources). Judged at var `freshness_as_of`, else now. -#}
with ledger as (
    select * from {{ source('ingestion', 'load_ledger') }}
),

file_dates as (
    select * from {{ ref('quality_file_data_dates') }}
),

stalled as (
    select * from {{ ref('quality_stalled_sources') }}
),

thresholds as (
    {{ publics.source_freshness_thresholds() }}
),

-- the source's threshold (the contracts declare it per source) and its data's newest day
source_thresholds as (
    select source, max(warn_after_days) as warn_after_days, max(error_after_days) as error_after_days
    from thresholds
    group by source
),

data_dates as (
    select source, max(data_until) as data_until
    from file_dates
    group by source
),

stalled_entities as (
    select
        source,
        {{ dbt.listagg('entity', "', '", 'order by entity') }} as stalled_entities
    from stalled
    where is_stalled
    group by source
),

latest_batch as (
    select batch_id from ledger order by started_at desc, ledger_id desc limit 1
),

loaded as (
    select
        source,
        entity,
        rows_loaded,
        finished_at,
        row_number() over (partition by source, entity order by finished_at desc, ledger_id desc) as load_rank
    from ledger
    where status = 'loaded' and source is not null
),

-- the files with rows, newest first: a header-only file (a day without changes) is neither
-- judged nor a reference
with_rows as (
    select
        source,
        entity,
        rows_loaded,
        load_rank,
        row_number() over (partition by source, entity order by load_rank) as rows_rank
    from loaded
    where rows_loaded > 0
),

-- the latest file, if it has rows, against the median of the files with rows before it
reference as (
    select
        latest.source,
        latest.entity,
        latest.rows_loaded,
        count(*) as reference_files,
        percentile_cont(0.5) within group (order by previous.rows_loaded) as reference_rows
    from with_rows as latest
    inner join with_rows as previous
        on
            latest.source = previous.source
            and latest.entity = previous.entity
            and previous.rows_rank between 2 and {{ var('freshness_reference_files', 7) }} + 1
    where latest.load_rank = 1
    group by latest.source, latest.entity, latest.rows_loaded
),

entity_trend as (
    select
        source,
        cast(min(rows_loaded / reference_rows) as numeric(12, 4)) as min_rows_ratio,
        cast(max(rows_loaded / reference_rows) as numeric(12, 4)) as max_rows_ratio
    from reference
    where reference_files >= {{ var('freshness_min_reference_files', 3) }}
    group by source
),

per_source as (
    select
        coalesce(source, '(non reconnu)') as source,
        max(case when status = 'loaded' then finished_at end) as last_loaded_at,
        sum(case when status = 'loaded' then 1 else 0 end) as files_loaded,
        sum(case when status = 'loaded' then rows_loaded else 0 end) as rows_loaded,
        sum(case when status = 'rejected' and ledger.batch_id = (select latest_batch.batch_id from latest_batch) then 1 else 0 end)
            as files_rejected_last_run
    from ledger
    group by coalesce(source, '(non reconnu)')
),

measured as (
    select
        per_source.source,
        per_source.last_loaded_at,
        cast(
            {{ dbt.datediff('per_source.last_loaded_at', publics.freshness_as_of(), 'hour') }}
            as numeric
        ) / 24 as days_since_last_load,
        data_dates.data_until,
        {{ dbt.datediff('data_dates.data_until', publics.local_date(publics.freshness_as_of()), 'day') }}
            as days_since_data,
        source_thresholds.warn_after_days,
        source_thresholds.error_after_days,
        stalled_entities.stalled_entities,
        per_source.files_loaded,
        per_source.rows_loaded,
        per_source.files_rejected_last_run,
        entity_trend.min_rows_ratio,
        entity_trend.max_rows_ratio
    from per_source
    left join entity_trend on entity_trend.source = per_source.source
    left join data_dates on data_dates.source = per_source.source
    left join source_thresholds on source_thresholds.source = per_source.source
    left join stalled_entities on stalled_entities.source = per_source.source
)

select
    source,
    last_loaded_at,
    days_since_last_load,
    {{ publics.freshness_label('days_since_last_load', 'warn_after_days', 'error_after_days') }} as load_freshness_label,
    data_until,
    days_since_data,
    {{ publics.freshness_label('days_since_data', 'warn_after_days', 'error_after_days') }} as data_freshness_label,
    days_since_data > warn_after_days as is_stale_by_data,
    stalled_entities is not null as is_stalled,
    stalled_entities,
    warn_after_days,
    error_after_days,
    files_loaded,
    rows_loaded,
    files_rejected_last_run,
    min_rows_ratio,
    max_rows_ratio
from measured
