{#- Each field with the raw column it comes from: the latest version whose file delivered that
    column wins it (a delta without the column keeps it); none: a required column. -#}
{%- set fields = {
    'order_id': none,
    'performance_id': none,
    'price_eur': none,
    'ticket_state': none,
    'seat_category_code': 'seat_category_code',
    'tariff_code': 'audience_sub_category',
    'price_level': 'price_level',
    'vat_rate_pct': 'vat_rate',
    'holder_contact_id': 'cultural_contact_number',
    'barcode': 'barcode'
} -%}

{#- Incremental by ticket_id (macros/incremental.sql): a delta that delivers a ticket again has all
    its versions ranked again (latest_record), per field as a full build does. -#}
{{ config(**publics.incremental_config('ticket_id', [clean_text('ticket_id')], [['secutix', 'tickets']])) }}
{%- set raw_tickets = [source('secutix', 'tickets')] -%}
{%- set new_tickets = publics.incremental_filter([clean_text('ticket_id')], raw_tickets) -%}

with source as (
    {{ with_columns_delivered('(select * from ' ~ raw_tickets[0] ~ ' ' ~ new_tickets ~ ')') }}
),

typed as (
    select
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('file_number') }} as order_id,
        {{ clean_text('performance_id') }} as performance_id,
        upper({{ clean_text('seat_category_code') }}) as seat_category_code,
        upper({{ clean_text('audience_sub_category') }}) as tariff_code,
        upper({{ clean_text('price_level') }}) as price_level,
        {{ secutix_amount('price') }} as price_eur,
        {{ parse_decimal_fr('vat_rate', 3) }} as vat_rate_pct,
        upper({{ clean_text('ticket_state') }}) as ticket_state,
        {{ clean_text('cultural_contact_number') }} as holder_contact_id,
        {{ clean_text('barcode') }} as barcode,
        {{ parse_timestamp_fr('last_update') }} as updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        _columns_delivered
    from source
),

latest as (
    {{ latest_record('typed', 'ticket_id', 'updated_at', fields) }}
),

final as (
    select
        ticket_id,
        order_id,
        performance_id,
        seat_category_code,
        tariff_code,
        price_level,
        price_eur,
        cast(vat_rate_pct as numeric(14, 3)) as vat_rate_pct,  -- its precision, lost in the per-field window
        ticket_state,
        ticket_state in ('CANCELLED', 'INVALIDATED') as is_cancelled,
        -- scanned at the door (access control): SecuTix's CONTROLLED state
        coalesce(ticket_state = 'CONTROLLED', false) as is_scanned,
        -- a holder erased by the GDPR purge (var gdpr_erased_identifier) is no known holder
        nullif(holder_contact_id, '{{ var("gdpr_erased_identifier") }}') as holder_contact_id,
        holder_contact_id is not null and holder_contact_id <> '{{ var("gdpr_erased_identifier") }}'
            as has_known_holder,
        barcode,
        updated_at,
        _source_file as source_file,
        {{ publics.raw_loaded_through(raw_tickets) }} as raw_loaded_through
    from latest
)

select * from final
