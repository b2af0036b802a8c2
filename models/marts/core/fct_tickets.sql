{#- Ticket fact: one row per ticket (latest version). Built in int_sales__tickets, where ticket
    revenue is defined once; published here with its columns listed. -#}
with tickets as (
    select * from {{ ref('int_sales__tickets') }}
),

final as (
    select
        ticket_id,
        order_id,
        performance_id,
        show_code,
        show_name,
        genre,
        venue_code,
        season,
        performance_date,
        ordered_at,
        order_date,
        order_originator,
        sales_channel,
        sales_channel_label,
        is_online,
        seat_category_code,
        tariff_code,
        tariff_category,
        tariff_category_label,
        price_eur,
        revenue_eur,
        is_cancelled,
        is_scanned,
        buyer_person_key,
        holder_person_key,
        has_known_holder
    from tickets
)

select * from final
