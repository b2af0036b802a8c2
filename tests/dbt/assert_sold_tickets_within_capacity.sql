-- Every performance: tickets sold (not cancelled) never exceed its capacity.
select performance_id, capacity, tickets_sold
from {{ ref('dim_performances') }}
where tickets_sold > capacity
