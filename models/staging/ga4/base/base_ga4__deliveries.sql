{#- The GA4 days each delivered file holds, and which delivery of each day staging keeps.

    A GA4 export is one table per day (`events_YYYYMMDD`, and `events_intraday_YYYYMMDD` while
    the day is being collected), written to files by `bq extract`: a table larger than 1 GB is
    split into shards (`events_20260313-000000000000.json.gz`, `…-000000000001.json.gz`), numbered
    from 0, and a table exported again may be split differently. So a day's events are not
    versioned event by event but delivery by delivery, per day (the `event_date` inside the file,
    not its name) and data stream:
    - the daily table supersedes the intraday table of its day (Google deletes the intraday table
      once the daily one is complete), whatever their order of arrival;
    - among the files of one table, an export starts with an unsharded file or shard 0; a shard
      numbered above 0 belongs to the export before it (the rest of it, or a shard sent again
      after a rejection): the shards of one export add up, a new export replaces the whole day;
    - the latest export (by arrival) is kept.
    One row per delivered file × day × stream, with its events (files, not events, are ranked: cheap).
    DECISIONLOG.md, "GA4 days: delivery by delivery". -#}

{%- set shard = '-([0-9]{12})([^0-9]|$)' -%}

{#- Incremental by event day, like stg_ga4__events (macros/incremental.sql): a day's deliveries
    are ranked among themselves only, so the days a new batch touches are ranked again from all
    their files and the others are left as they are (not the whole raw table grouped each run). -#}
{{ config(**publics.incremental_config('event_date', ['event_date'], [['ga4', 'events']])) }}
{%- set raw_events = [source('ga4', 'events')] -%}

with source as (
    select * from {{ source('ga4', 'events') }}
    {{ publics.incremental_filter(['event_date'], raw_events) }}
),

files as (
    select
        event_date,
        coalesce(stream_id, '') as stream_key,
        _source_file,
        _file_hash,
        _batch_id,
        _loaded_at,
        count(*) as events
    from source
    group by event_date, coalesce(stream_id, ''), _source_file, _file_hash, _batch_id, _loaded_at
),

parts as (
    select
        files.*,
        case when lower(_source_file) like '%intraday%' then 'events_intraday' else 'events' end as export_table,
        {{ publics.regex_capture('_source_file', shard, 1) }} as shard_number
    from files
),

exports as (
    select
        parts.*,
        -- the exports of a day's table so far: each unsharded file or shard 0 starts one
        sum(case when shard_number is null or shard_number = '000000000000' then 1 else 0 end) over (
            partition by event_date, stream_key, export_table
            order by _loaded_at, _source_file, _file_hash
            rows between unbounded preceding and current row
        ) as export_number
    from parts
),

ranked as (
    select
        exports.*,
        dense_rank() over (
            partition by event_date, stream_key
            order by case export_table when 'events' then 1 else 0 end desc, export_number desc
        ) as delivery_rank
    from exports
),

final as (
    select
        event_date,
        stream_key,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        export_table,
        shard_number,
        export_number,
        events,
        delivery_rank,
        delivery_rank = 1 as is_kept,
        {{ publics.raw_loaded_through(raw_events) }} as raw_loaded_through
    from ranked
)

select * from final
