{{ config(materialized='view') }}
{#- Freshness and load health of each source, from the load ledger, at query time (a view):
    when each source last delivered, how many of its files the latest run rejected, and how the
    rows of its latest file compare with the files before it of the same entity: with the
    median of the previous files with rows (vars `freshness_reference_files`,
    `freshness_min_reference_files`), so that a delta is judged against deltas; a header-only
    latest file (nothing changed that day) is not judged. Ratios rounded to 4 decimals. -#}
with ledger as (
    select * from {{ source('ingestion', 'load_ledger') }}
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
)

select
    per_source.source,
    per_source.last_loaded_at,
    cast(
        {{ dbt.datediff('per_source.last_loaded_at', dbt.current_timestamp(), 'hour') }}
        as numeric
    ) / 24 as days_since_last_load,
    per_source.files_loaded,
    per_source.rows_loaded,
    per_source.files_rejected_last_run,
    entity_trend.min_rows_ratio,
    entity_trend.max_rows_ratio
from per_source
left join entity_trend on entity_trend.source = per_source.source
