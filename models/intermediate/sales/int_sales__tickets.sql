{#- One row per ticket (latest version), with its order, performance, sales channel and tariff
    category. The single place where ticket revenue is defined: `revenue_eur` is the price
    paid for tickets that are not cancelled (neither the ticket nor its order). Read by
    int_sales__orders and int_persons__seasons; published as the mart fct_tickets. -#}
with tickets as (
    select * from {{ ref('stg_secutix__tickets') }}
),

orders as (
    select * from {{ ref('stg_secutix__orders') }}
),

performances as (
    select * from {{ ref('stg_secutix__performances') }}
),

originators as (
    select * from {{ ref('secutix_order_originators') }}
),

tariffs as (
    select * from {{ ref('tariff_categories') }}
),

identities as (
    select contact_id, person_key from {{ ref('int_identity__contacts') }}
),

joined as (
    select
        tickets.ticket_id,
        tickets.order_id,
        tickets.performance_id,
        performances.show_code,
        performances.show_name,
        performances.genre,
        performances.venue_code,
        performances.season,
        performances.performance_date,
        orders.ordered_at,
        orders.order_date,
        orders.order_originator,
        coalesce(originators.sales_channel, 'unknown') as sales_channel,
        coalesce(originators.sales_channel_label, 'Non renseigné') as sales_channel_label,
        coalesce(originators.is_online, false) as is_online,
        tickets.seat_category_code,
        tickets.tariff_code,
        coalesce(tariffs.tariff_category, 'inconnu') as tariff_category,
        coalesce(tariffs.tariff_category_label, 'Non renseigné') as tariff_category_label,
        tickets.price_eur,
        tickets.is_cancelled or coalesce(orders.is_cancelled, false) as is_cancelled,
        tickets.is_scanned,
        buyers.person_key as buyer_person_key,
        holders.person_key as holder_person_key,
        tickets.has_known_holder
    from tickets
    inner join orders on tickets.order_id = orders.order_id
    inner join performances on tickets.performance_id = performances.performance_id
    left join originators on orders.order_originator = originators.order_originator
    left join tariffs on tickets.tariff_code = tariffs.tariff_code
    left join identities as buyers on orders.buyer_contact_id = buyers.contact_id
    left join identities as holders on tickets.holder_contact_id = holders.contact_id
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
        {{ money('case when is_cancelled then 0 else price_eur end') }} as revenue_eur,
        is_cancelled,
        is_scanned,
        buyer_person_key,
        holder_person_key,
        has_known_holder
    from joined
)

select * from final
