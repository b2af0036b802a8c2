{#- The marketing touchpoints of known people that attribution reads (int_attribution__touchpoints):
    web sessions of the attribution's analytics tool and e-mail clicks that did not open a
    session already counted, with their channel's French label, day and season. -#}
with touchpoints as (
    select * from {{ ref('int_attribution__touchpoints') }}
),

channel_groups as (
    select * from {{ ref('channel_groups') }}
)

select
    touchpoints.touchpoint_key,
    touchpoints.touchpoint_type,
    touchpoints.person_key,
    touchpoints.touched_at,
    {{ publics.local_date('touchpoints.touched_at') }} as touch_date,
    {{ publics.season_of(publics.local_date('touchpoints.touched_at')) }} as season,
    touchpoints.source,
    touchpoints.medium,
    touchpoints.campaign,
    touchpoints.channel_group,
    coalesce(channel_groups.channel_group_label, touchpoints.channel_group) as channel_group_label,
    coalesce(channel_groups.is_paid, false) as is_paid_channel
from touchpoints
left join channel_groups on channel_groups.channel_group = touchpoints.channel_group
