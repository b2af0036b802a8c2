{#- Order fact: one row per ticketing order (latest version). Built in int_sales__orders (the
    orders web matching, attribution and persons' seasons read too); published here with its
    columns listed. -#}
with orders as (
    select * from {{ ref('int_sales__orders') }}
),

final as (
    select
        order_id,
        ordered_at,
        order_date,
        season,
        order_season,
        order_originator,
        sales_channel,
        sales_channel_label,
        is_online,
        buyer_person_key,
        is_cancelled,
        tickets_sold,
        revenue_eur,
        is_paid_order,
        is_subscription,
        has_youth_tickets,
        performances,
        first_performance_date,
        main_show_code,
        main_show_name
    from orders
)

select * from final
