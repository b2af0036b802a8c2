{{ config(materialized='view') }}
{#- Freshness and load health of each source, from the load ledger, at query time (a view):
    when each source last delivered, how many of its files the latest run rejected, and how the
    rows of its latest file compare with the previous file of the same entity. -#}
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

entity_trend as (
    select
        latest.source,
        min(case when previous.rows_loaded > 0
                 then cast(latest.rows_loaded as numeric) / previous.rows_loaded end) as min_rows_ratio,
        max(case when previous.rows_loaded > 0
                 then cast(latest.rows_loaded as numeric) / previous.rows_loaded end) as max_rows_ratio
    from loaded as latest
    inner join loaded as previous on latest.source = previous.source and latest.entity = previous.entity
    where latest.load_rank = 1 and previous.load_rank = 2
    group by latest.source
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
