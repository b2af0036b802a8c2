{#- The date statuses and recency are computed at: the var `as_of_date` if set, else the day of
    the latest order delivered (so that a demo or an old extract is read as of its own date,
    not as of today); with no order delivered yet (an empty warehouse), today. One row. -#}
select
    {% if var('as_of_date', none) %}
    cast('{{ var("as_of_date") }}' as date) as as_of_date
    {% else %}
    coalesce(max(order_date), current_date) as as_of_date
    from {{ ref('stg_secutix__orders') }}
    {% endif %}
