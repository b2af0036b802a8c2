{#- The UTM tagging plan: the canonical parameters of each planned link (latest delivery of
    each), normalised like the parameters found on the web so that they can be compared. -#}
with source as (
    select * from {{ source('spreadsheets', 'utm_plan') }}
),

typed as (
    select
        {{ clean_utm('utm_source') }} as planned_source,
        {{ clean_utm('utm_medium') }} as planned_medium,
        {{ clean_utm('utm_campaign') }} as utm_campaign,
        {{ clean_utm('utm_content') }} as utm_content,
        {{ clean_utm('utm_term') }} as utm_term,
        {{ clean_text('campagne') }} as campaign_label,
        {{ clean_text('canal') }} as channel_label,
        {{ clean_text('url_de_destination') }} as landing_url,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', "planned_source, planned_medium, utm_campaign, coalesce(utm_content, '')", '_loaded_at') }}
)

select
    {{ publics.surrogate_key(['planned_source', 'planned_medium', 'utm_campaign', 'utm_content']) }} as utm_plan_key,
    {{ canonical_utm('latest.planned_source', 'source_aliases.utm_source') }} as utm_source,
    {{ canonical_utm('latest.planned_medium', 'medium_aliases.utm_medium') }} as utm_medium,
    latest.utm_campaign,
    latest.utm_content,
    latest.utm_term,
    {{ campaign_is_conforming('latest.utm_campaign') }} as is_conforming_name,
    latest.campaign_label,
    latest.channel_label,
    latest.landing_url,
    latest._source_file as source_file,
    -- a plan delivered after int_web__sessions' last build has its sessions classified again
    {{ publics.raw_loaded_through([source('spreadsheets', 'utm_plan')]) }} as raw_loaded_through
from latest
left join {{ ref('utm_source_aliases') }} as source_aliases on source_aliases.alias = latest.planned_source
left join {{ ref('utm_medium_aliases') }} as medium_aliases on medium_aliases.alias = latest.planned_medium
