{#- Each field with the raw column it comes from: the latest version whose file delivered that
    column wins it (a delta without the column keeps it); none: a required column. -#}
{%- set fields = {
    'show_code': none,
    'starts_at': none,
    'capacity': none,
    'show_id': 'product_id',
    'show_name': 'product_name',
    'product_family_type': 'product_family_type',
    'genre': 'genre',
    'venue_code': 'venue_code',
    'venue_name': 'venue_name',
    'duration_min': 'duration_min',
    'performance_state': 'performance_state'
} -%}

with source as (
    {{ with_columns_delivered(source('secutix', 'performances')) }}
),

typed as (
    select
        {{ clean_text('performance_id') }} as performance_id,
        {{ clean_text('product_id') }} as show_id,
        upper({{ clean_text('product_code') }}) as show_code,
        {{ clean_text('product_name') }} as show_name,
        upper({{ clean_text('product_family_type') }}) as product_family_type,
        lower({{ clean_text('genre') }}) as genre,
        upper({{ clean_text('venue_code') }}) as venue_code,
        {{ clean_text('venue_name') }} as venue_name,
        {{ parse_timestamp_fr('performance_start') }} as starts_at,
        cast({{ clean_text('duration_min') }} as integer) as duration_min,
        cast({{ clean_text('capacity') }} as integer) as capacity,
        upper({{ clean_text('performance_state') }}) as performance_state,
        {{ parse_timestamp_fr('last_update') }} as updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        _columns_delivered
    from source
),

latest as (
    {{ latest_record('typed', 'performance_id', 'updated_at', fields) }}
),

final as (
    select
        performance_id,
        show_id,
        show_code,
        show_name,
        product_family_type,
        genre,
        venue_code,
        venue_name,
        starts_at,
        {{ local_date('starts_at') }} as performance_date,
        {{ season_of(local_date('starts_at')) }} as season,
        duration_min,
        capacity,
        performance_state,
        coalesce(performance_state in ('CANCELED', 'CANCELED_CLOSED'), false) as is_cancelled,
        updated_at,
        _source_file as source_file
    from latest
)

select * from final
