{{ config(materialized='view') }}
{#- The scores `publics score` wrote (scores.audience_scores), as the marts show them: a view,
    so that scores written after the build are seen at once, and an objection recorded after
    scoring hides the person's score at the next build of int_gdpr__objections without
    rescoring. Persons objecting to profiling or to marketing (opt-out) are never shown, nor
    persons no longer in dim_persons (erased). -#}
with scores as (
    select * from {{ source('scores', 'audience_scores') }}
),

persons as (
    select person_key from {{ ref('dim_persons') }}
)

select
    scores.person_key,
    scores.season,
    scores.score_kind,
    scores.probability,
    scores.decile,
    scores.top_features,
    scores.scored_at,
    scores.model_version
from scores
inner join persons on persons.person_key = scores.person_key
where {{ gdpr_not_objecting('profiling', 'scores.person_key') }}
    and {{ gdpr_not_objecting('marketing', 'scores.person_key') }}
