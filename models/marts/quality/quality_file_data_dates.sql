{#- Each delivered file with rows and the newest day its rows hold (the data's own date, per
    entity), for the freshness on the data's date (quality_source_freshness) and the stalled
    sources (quality_stalled_sources): one row per file load, grouped incrementally by
    int_quality__file_data_dates (a daily run reads the files loaded since only). -#}
with loads as (
    select * from {{ ref('int_quality__file_data_dates') }}
),

final as (
    select
        source,
        entity,
        file_name,
        file_hash,
        loaded_at,
        rows_delivered,
        data_until
    from loads
)

select * from final
