{{ config(materialized='view') }}
{#- Every Great Expectations result of every `publics check`, over time (a view on the history
    table the check appends to), in the words dashboard 18 shows. -#}
select
    run_id,
    run_at,
    cast(run_at as date) as run_date,
    suite,
    table_name,
    expectation,
    column_name,
    criterion,
    severity,
    success,
    case when success then 'réussie' when severity = 'critical' then 'échec critique' else 'avertissement' end as outcome_label,
    {{ publics.json_text('observed', 'observed_value') }} as observed_value,
    cast({{ publics.json_text('observed', 'unexpected_percent') }} as numeric) as unexpected_percent,
    why
from {{ source('quality', 'expectation_results') }}
