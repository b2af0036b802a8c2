{{ config(materialized='view') }}
{#- Calibration by decile of every evaluation on the held-out season: the mean predicted
    probability beside the observed rate (decile 1 = highest scores). -#}
select
    evaluated_at,
    model_version,
    score_kind,
    model,
    decile,
    persons,
    mean_predicted,
    observed_rate
from {{ source('model_quality', 'model_calibration') }}
