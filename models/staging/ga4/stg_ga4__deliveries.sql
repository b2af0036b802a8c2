{#- The GA4 deliveries day by day, for the marts (dashboard 18's stale deliveries, the UTM
    conformity of the kept days): base_ga4__deliveries as it is, in the staging layer the marts
    read (a base_ shape is read by staging only). -#}

with deliveries as (
    select * from {{ ref('base_ga4__deliveries') }}
),

final as (
    select
        event_date,
        stream_key,
        source_file,
        file_hash,
        batch_id,
        loaded_at,
        export_table,
        shard_number,
        export_number,
        events,
        delivery_rank,
        is_kept,
        raw_loaded_through
    from deliveries
)

select * from final
