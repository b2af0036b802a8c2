{#- Organic social statistics: one row per post (post_id set) or per page and day (followers),
    latest delivery of each. Counts written "3 200" in French files become integers. -#}
with source as (
    select * from {{ source('social', 'posts') }}
),

typed as (
    select
        lower({{ clean_text('platform') }}) as platform,
        {{ clean_text('post_id') }} as post_id,
        {{ parse_date_any('date') }} as activity_date,
        {{ clean_text('page_name') }} as page_name,
        {{ parse_date_any('publish_time') }} as published_on,
        lower({{ clean_text('post_type') }}) as post_type,
        {{ clean_text('permalink') }} as permalink,
        {{ parse_integer('reach') }} as reach,
        {{ parse_integer('impressions') }} as impressions,
        {{ parse_integer('reactions') }} as reactions,
        {{ parse_integer('comments') }} as comments,
        {{ parse_integer('shares') }} as shares,
        {{ parse_integer('saves') }} as saves,
        {{ parse_integer('engagements') }} as engagements_reported,
        {{ parse_integer('total_clicks') }} as clicks,
        {{ parse_integer('link_clicks') }} as link_clicks,
        {{ parse_integer('video_views') }} as video_views,
        {{ parse_integer('followers') }} as followers,
        {{ parse_integer('new_followers') }} as new_followers,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', "platform, coalesce(post_id, ''), activity_date", '_loaded_at') }}
)

select
    {{ publics.surrogate_key(['platform', 'post_id', 'activity_date']) }} as social_key,
    case when post_id is null then 'page' else 'post' end as row_type,
    platform,
    post_id,
    activity_date,
    {{ season_of('activity_date') }} as season,
    page_name,
    published_on,
    post_type,
    permalink,
    reach,
    impressions,
    reactions,
    comments,
    shares,
    saves,
    -- engagement as the platform reports it, else the sum of its interactions
    coalesce(engagements_reported,
             case when coalesce(reactions, comments, shares, saves) is not null
                  then coalesce(reactions, 0) + coalesce(comments, 0) + coalesce(shares, 0) + coalesce(saves, 0) end
    ) as engagements,
    clicks,
    link_clicks,
    video_views,
    followers,
    new_followers,
    _source_file as source_file
from latest
