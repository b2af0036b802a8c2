{#- Records a source delivered whose counterpart has not been delivered yet: tickets whose
    order, or whose performance, is in no ticketing delivery so far. Sources arrive on their
    own schedules (a ticket delta a day before the matching order delta), so such a gap is
    temporary: a warning on dashboard 18 that names the records (expectations/quality/
    delivery_gaps.yml), never a reason to stop the build. Until the counterpart arrives, the
    tickets are out of the marts (int_sales__tickets keeps the tickets of known orders and
    performances). One row per awaited record. -#}
with tickets as (
    select * from {{ ref('stg_secutix__tickets') }}
),

orders as (
    select * from {{ ref('stg_secutix__orders') }}
),

performances as (
    select * from {{ ref('stg_secutix__performances') }}
),

tickets_without_order as (
    select
        'commande' as awaited_entity,
        tickets.order_id as awaited_id,
        tickets.ticket_id,
        tickets.source_file
    from tickets
    left join orders on tickets.order_id = orders.order_id
    where orders.order_id is null
),

tickets_without_performance as (
    select
        'séance' as awaited_entity,
        tickets.performance_id as awaited_id,
        tickets.ticket_id,
        tickets.source_file
    from tickets
    left join performances on tickets.performance_id = performances.performance_id
    where performances.performance_id is null
),

waiting as (
    select * from tickets_without_order
    union all
    select * from tickets_without_performance
),

final as (
    select
        awaited_entity,
        awaited_id,
        count(*) as tickets_waiting,
        {{ dbt.listagg('ticket_id', "', '", "order by ticket_id") }} as ticket_ids,
        min(source_file) as first_source_file,
        awaited_entity || ' ' || awaited_id || ' pas encore livrée ('
        || cast(count(*) as {{ dbt.type_string() }}) || ' billet(s) : '
        || {{ dbt.listagg('ticket_id', "', '", "order by ticket_id") }} || ')' as awaited_record
    from waiting
    group by awaited_entity, awaited_id
)

select * from final
