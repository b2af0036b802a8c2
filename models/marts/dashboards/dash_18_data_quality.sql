{{ config(materialized='view') }}
{#- Dataset of dashboard 18 « Qualité des données »: every expectation result of every check,
    over time (a view: the check runs after the build and appends to the history), with the
    measured figure as a number when it is one (the completeness, duplicate and match shares
    of quality_metrics, the freshness of each source…), its unit (`value_unit`, macro
    unit_of_column), and whether it is the latest run. -#}
with history as (
    select * from {{ ref('quality_expectation_history') }}
),

latest as (
    select max(run_at) as last_run_at from history
),

results as (
    select
        history.run_id,
        history.run_at,
        history.run_date,
        history.run_at = latest.last_run_at as is_latest_run,
        history.criterion,
        history.severity,
        case history.severity when 'critical' then 'Critique' else 'Avertissement' end as severity_label,
        history.suite,
        history.table_name,
        history.column_name,
        coalesce(history.column_name, history.expectation) as indicator,
        history.expectation,
        history.success,
        history.outcome_label,
        history.observed_value,
        case when {{ publics.regex_matches('history.observed_value', '^-?[0-9]+([.][0-9]+)?$') }} then cast(history.observed_value as numeric) end
            as observed_number,
        history.unexpected_percent,
        history.why
    from history
    cross join latest
)

select
    results.*,
    {{ publics.unit_of_column('indicator', 'observed_number') }} as value_unit
from results
