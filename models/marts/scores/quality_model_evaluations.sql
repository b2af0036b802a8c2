{{ config(materialized='view') }}
{#- Every evaluation `publics score` made of a model or a baseline on the held-out season (the
    latest whose outcome is known), the latest evaluation of each kind flagged: read by
    dashboards 5, 6 and 18 and by the model card (docs/modeles/scores-publics.md). -#}
with evaluations as (
    select * from {{ source('model_quality', 'model_evaluations') }}
),

latest as (
    select score_kind, max(evaluated_at) as evaluated_at from evaluations group by score_kind
)

select
    evaluations.evaluated_at,
    evaluations.model_version,
    evaluations.score_kind,
    evaluations.model,
    evaluations.model_label,
    evaluations.is_baseline,
    evaluations.is_chosen,
    evaluations.training_seasons,
    evaluations.test_season,
    evaluations.persons,
    evaluations.positives,
    evaluations.roc_auc,
    evaluations.top_decile_lift,
    evaluations.top_decile_precision,
    evaluations.brier,
    evaluations.training_seconds,
    latest.evaluated_at is not null as is_latest
from evaluations
left join latest
    on latest.score_kind = evaluations.score_kind and latest.evaluated_at = evaluations.evaluated_at
