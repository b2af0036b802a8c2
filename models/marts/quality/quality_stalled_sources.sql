{#- Per source and entity, whether its data still advance while its files arrive: the newest day
    its data hold, the file that first brought it, and the files with rows that arrived after it
    without anything newer. Stalled (a warning on dashboard 18) when at least `stalled_min_files`
    such files arrived over more than the contract's `warn_after` — a scheduled export re-sending
    old content looks fresh by its load date only. One row per entity that delivered rows. -#}
with files as (
    select * from {{ ref('quality_file_data_dates') }}
),

thresholds as (
    {{ publics.source_freshness_thresholds() }}
),

newest as (
    select source, entity, max(data_until) as data_until, max(loaded_at) as last_loaded_at
    from files
    group by source, entity
),

-- the first arrival of the newest day
reached as (
    select
        files.source,
        files.entity,
        min(files.loaded_at) as data_reached_at
    from files
    inner join newest
        on newest.source = files.source and newest.entity = files.entity and newest.data_until = files.data_until
    group by files.source, files.entity
),

reached_file as (
    select files.source, files.entity, min(files.file_name) as data_reached_file
    from files
    inner join reached
        on reached.source = files.source and reached.entity = files.entity and reached.data_reached_at = files.loaded_at
    group by files.source, files.entity
),

since as (
    select
        files.source,
        files.entity,
        count(*) as files_without_newer_data,
        min(files.loaded_at) as first_file_without_newer_data_at
    from files
    inner join reached on reached.source = files.source and reached.entity = files.entity
    where files.loaded_at > reached.data_reached_at
    group by files.source, files.entity
),

judged as (
    select
        newest.source,
        newest.entity,
        newest.data_until,
        reached.data_reached_at,
        reached_file.data_reached_file,
        coalesce(since.files_without_newer_data, 0) as files_without_newer_data,
        since.first_file_without_newer_data_at,
        newest.last_loaded_at,
        thresholds.warn_after_days,
        coalesce(since.files_without_newer_data, 0) >= {{ var('stalled_min_files', 2) }}
        and thresholds.warn_after_days is not null
        and cast({{ dbt.datediff('reached.data_reached_at', 'newest.last_loaded_at', 'hour') }} as numeric) / 24
        > thresholds.warn_after_days as is_stalled
    from newest
    inner join reached on reached.source = newest.source and reached.entity = newest.entity
    inner join reached_file on reached_file.source = newest.source and reached_file.entity = newest.entity
    left join since on since.source = newest.source and since.entity = newest.entity
    left join thresholds on thresholds.source = newest.source and thresholds.entity = newest.entity
),

final as (
    select
        source,
        entity,
        data_until,
        data_reached_at,
        data_reached_file,
        files_without_newer_data,
        first_file_without_newer_data_at,
        last_loaded_at,
        warn_after_days,
        is_stalled,
        case when is_stalled then
            source || '/' || entity || ' : ' || cast(files_without_newer_data as {{ dbt.type_string() }})
            || ' fichier(s) reçu(s) du ' || cast(cast(first_file_without_newer_data_at as date) as {{ dbt.type_string() }})
            || ' au ' || cast(cast(last_loaded_at as date) as {{ dbt.type_string() }})
            || ' sans donnée plus récente que le ' || cast(data_until as {{ dbt.type_string() }})
            || ' (apportée par ' || data_reached_file || ', reçu le '
            || cast(cast(data_reached_at as date) as {{ dbt.type_string() }}) || ')'
        end as stall_description
    from judged
)

select * from final
