with source as (
    select * from {{ source('secutix', 'orders') }}
),

typed as (
    select
        {{ clean_text('file_number') }} as order_id,
        {{ parse_timestamp_fr('order_date') }} as ordered_at,
        upper({{ clean_text('file_state') }}) as order_state,
        upper({{ clean_text('order_originator') }}) as order_originator,
        upper({{ clean_text('sales_channel') }}) as sales_channel_code,
        {{ clean_text('point_of_sale') }} as point_of_sale,
        {{ clean_text('buying_contact_number') }} as buyer_contact_id,
        {{ parse_decimal_fr('total_amount_itx') }} as total_amount_eur,
        upper({{ clean_text('payment_state') }}) as payment_state,
        upper(coalesce({{ clean_text('currency_code') }}, 'EUR')) as currency_code,
        {{ parse_timestamp_fr('last_update') }} as updated_at,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', 'order_id', 'updated_at') }}
),

final as (
    select
        order_id,
        ordered_at,
        {{ local_date('ordered_at') }} as order_date,
        {{ season_of(local_date('ordered_at')) }} as season,
        order_state,
        order_state in ('CANCELED', 'ABANDONNED', 'NOT_SOLDED', 'TECH_ERROR') as is_cancelled,
        order_originator,
        sales_channel_code,
        point_of_sale,
        buyer_contact_id,
        total_amount_eur,
        payment_state,
        currency_code,
        updated_at,
        _source_file as source_file
    from latest
)

select * from final
