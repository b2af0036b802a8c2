{#- Each field with the raw column it comes from: the latest version whose file delivered that
    column wins it (a delta without the column keeps it); none: a required column. -#}
{%- set fields = {
    'ordered_at': none,
    'order_state': none,
    'order_originator': none,
    'sales_channel_code': 'sales_channel',
    'point_of_sale': 'point_of_sale',
    'buyer_contact_id': 'buying_contact_number',
    'total_amount_eur': 'total_amount_itx',
    'payment_state': 'payment_state',
    'currency_code': 'currency_code'
} -%}

{#- Incremental by order_id (macros/incremental.sql): a delta that delivers an order again has all
    its versions ranked again (latest_record), per field as a full build does. -#}
{{ config(**publics.incremental_config('order_id', [clean_text('file_number')], [['secutix', 'orders']])) }}
{%- set raw_orders = [source('secutix', 'orders')] -%}
{%- set new_orders = publics.incremental_filter([clean_text('file_number')], raw_orders) -%}

with source as (
    {{ with_columns_delivered('(select * from ' ~ raw_orders[0] ~ ' ' ~ new_orders ~ ')') }}
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
        {{ parse_decimal_fr('total_amount_itx', 3) }} as total_amount_eur,
        upper({{ clean_text('payment_state') }}) as payment_state,
        upper(coalesce({{ clean_text('currency_code') }}, 'EUR')) as currency_code,
        {{ parse_timestamp_fr('last_update') }} as updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        _columns_delivered
    from source
),

latest as (
    {{ latest_record('typed', 'order_id', 'updated_at', fields) }}
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
        nullif(buyer_contact_id, '{{ var("gdpr_erased_identifier") }}') as buyer_contact_id,
        coalesce(buyer_contact_id = '{{ var("gdpr_erased_identifier") }}', false) as is_buyer_erased,
        {{ money('total_amount_eur') }} as total_amount_eur,  -- its precision, lost in the per-field window
        payment_state,
        currency_code,
        updated_at,
        _source_file as source_file,
        {{ publics.raw_loaded_through(raw_orders) }} as raw_loaded_through
    from latest
)

select * from final
