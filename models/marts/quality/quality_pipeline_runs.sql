{{ config(materialized='view') }}
{#- The pipeline's runs (`publics runs`), newest first, in the words dashboard 18 shows: a view on
    the history the commands write, so a failed build — which rebuilds nothing — is on the
    dashboard at once. A run with no end is under way when it is the latest, interrupted
    (killed) when a later one started: the lock lets a run start only once the previous one's
    lock is gone. -#}
with runs as (
    select
        *,
        row_number() over (order by started_at desc, run_id desc) as run_rank
    from {{ source('quality', 'pipeline_runs') }}
),

steps as (
    select
        run_id,
        string_agg(
            {{ publics.mask_paths('step') }} || ' ' || to_char(seconds, 'FM999990.0') || ' s'
            || case when status = 'ok' then '' else ' ✘' end,
            ' › ' order by step_no
        ) as steps_summary,
        count(*) as steps,
        min({{ publics.mask_paths('step') }}) filter (where status <> 'ok') as failed_step
    from {{ source('quality', 'pipeline_run_steps') }}
    group by run_id
),

judged as (
    select
        runs.*,
        case
            when runs.ended_at is not null then runs.status
            when runs.run_rank = 1 then 'running'
            else 'interrupted'
        end as run_status
    from runs
)

select
    judged.run_id,
    judged.run_rank,
    judged.command,
    judged.trigger,
    judged.started_at,
    cast(judged.started_at as date) as run_date,
    judged.ended_at,
    judged.seconds,
    judged.exit_code,
    judged.run_status as status,
    case judged.run_status
        when 'ok' then 'réussie'
        when 'partial' then 'partielle (fichiers rejetés)'
        when 'failed' then 'échec'
        when 'interrupted' then 'interrompue'
        else 'en cours'
    end as status_label,
    judged.run_status in ('failed', 'partial', 'interrupted') as needs_attention,
    judged.rejected_files,
    coalesce(steps.steps, 0) as steps,
    steps.steps_summary,
    steps.failed_step,
    {{ publics.mask_paths('judged.message') }} as message
from judged
left join steps on judged.run_id = steps.run_id
