{#- Dataset of dashboard 12 « Réseaux sociaux »: what organic social brings. Five kinds of rows
    (`row_type`), never added together:
    - `publication`: one row per post, its figures as the export last gave them (the latest day a
      post was delivered: lifetime figures, never added up over the days it was delivered);
    - `jour`: one row per platform and day: followers at the end of the day, new followers, and
      the page's reach of the day when the export gives one;
    - `mois`: one row per platform and month: posts published, their engagements and impressions,
      new followers (additive), followers at the end of the month, and the reach of the month's
      best post. Reach is not additive — a person reached on two days, by two posts or on two
      platforms is one person: no reach is ever summed here, across days, posts or platforms;
    - `trafic`: Organic Social web sessions by analytics tool, month and network (the session's
      source), with the purchases and revenue the tool saw (GA4: consenting visitors only);
    - `attribution`: the orders, tickets and revenue credited to Organic Social touchpoints, by
      month of the order, network and attribution model (inside the web window of attribution).
    Each row says whether its period is inside its source's measurement window. -#}
with posts as (
    select * from {{ ref('stg_social__posts') }}
),

sessions as (
    select * from {{ ref('fct_web_sessions') }}
),

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

windows as (
    select * from {{ ref('int_quality__measurement_windows') }}
),

social_windows as (
    select tool as platform, measured_from, measured_to,
        {{ measurement_window_label('mesure réseaux sociaux', 'measured_from', 'measured_to') }} as window_label
    from windows
    where source = 'social'
),

web_windows as (
    select tool, measured_from, measured_to, is_attribution_web_tool,
        case tool
            when 'ga4' then {{ measurement_window_label('mesure GA4', 'measured_from', 'measured_to') }}
            when 'matomo' then {{ measurement_window_label('mesure Matomo', 'measured_from', 'measured_to') }}
            else {{ measurement_window_label('mesure web', 'measured_from', 'measured_to') }}
        end as window_label
    from windows
    where source = 'web'
),

-- each post once: its latest delivered day (lifetime figures grow; adding the days would count
-- the same people again)
latest_posts as (
    select *
    from (
        select posts.*,
            row_number() over (partition by platform, post_id order by activity_date desc) as post_rank
        from posts
        where row_type = 'post'
    ) as ranked
    where post_rank = 1
),

page_days as (
    select platform, activity_date, season, followers, new_followers, reach
    from posts
    where row_type = 'page'
),

month_followers as (
    select platform, month, followers
    from (
        select platform, {{ dbt.date_trunc('month', 'activity_date') }} as month, followers,
            row_number() over (partition by platform, {{ dbt.date_trunc('month', 'activity_date') }}
                               order by activity_date desc) as day_rank
        from page_days
        where followers is not null
    ) as ranked
    where day_rank = 1
),

month_new_followers as (
    select platform, {{ dbt.date_trunc('month', 'activity_date') }} as month, sum(new_followers) as new_followers
    from page_days
    group by platform, {{ dbt.date_trunc('month', 'activity_date') }}
),

month_posts as (
    select platform, {{ dbt.date_trunc('month', 'coalesce(published_on, activity_date)') }} as month,
        count(*) as posts,
        sum(engagements) as engagements,
        sum(impressions) as impressions,
        max(reach) as best_post_reach
    from latest_posts
    group by platform, {{ dbt.date_trunc('month', 'coalesce(published_on, activity_date)') }}
),

platform_months as (
    select platform, month from month_followers
    union
    select platform, month from month_new_followers
    union
    select platform, month from month_posts
),

social_sessions as (
    select tool, {{ dbt.date_trunc('month', 'session_date') }} as month, source,
        count(*) as sessions,
        count(case when has_purchase then 1 end) as purchasing_sessions,
        sum(transactions) as transactions,
        {{ money('sum(coalesce(revenue_eur, 0))') }} as revenue_eur
    from sessions
    where channel_group = 'Organic Social'
    group by tool, {{ dbt.date_trunc('month', 'session_date') }}, source
),

social_credits as (
    select {{ dbt.date_trunc('month', 'order_date') }} as month, source, attribution_model,
        sum(credit) as attributed_orders,
        sum(credited_tickets) as attributed_tickets,
        sum(credited_revenue_eur) as attributed_revenue_eur
    from credits
    where channel_group = 'Organic Social' and is_attributed
    group by {{ dbt.date_trunc('month', 'order_date') }}, source, attribution_model
),

{#- the columns of every row type, null where a row type has none -#}
{% set counts = ['posts', 'reach', 'impressions', 'engagements', 'reactions', 'comments', 'shares', 'saves',
                  'link_clicks', 'video_views', 'followers', 'new_followers', 'best_post_reach', 'sessions',
                  'purchasing_sessions', 'transactions'] %}

publication_rows as (
    select
        'publication' as row_type,
        latest_posts.platform,
        cast(null as {{ dbt.type_string() }}) as tool,
        {{ season_of('coalesce(latest_posts.published_on, latest_posts.activity_date)') }} as season,
        cast({{ dbt.date_trunc('month', 'coalesce(latest_posts.published_on, latest_posts.activity_date)') }} as date) as activity_month,
        coalesce(latest_posts.published_on, latest_posts.activity_date) as activity_date,
        latest_posts.post_id,
        latest_posts.post_type,
        latest_posts.permalink,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ dbt.type_string() }}) as attribution_model_label,
        {{ measurement_status('latest_posts.activity_date', 'latest_posts.activity_date',
                              'social_windows.measured_from', 'social_windows.measured_to') }} as measurement_status,
        coalesce(social_windows.window_label, 'aucune mesure réseaux sociaux') as measurement_window_label,
        {%- set values = {
            'posts': '1',
            'reach': 'latest_posts.reach',
            'impressions': 'latest_posts.impressions',
            'engagements': 'latest_posts.engagements',
            'reactions': 'latest_posts.reactions',
            'comments': 'latest_posts.comments',
            'shares': 'latest_posts.shares',
            'saves': 'latest_posts.saves',
            'link_clicks': 'latest_posts.link_clicks',
            'video_views': 'latest_posts.video_views'} %}
        {%- for column in counts %}
        cast({{ values.get(column, 'null') }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        cast(null as numeric(14, 3)) as revenue_eur,
        cast(null as numeric(14, 6)) as attributed_orders,
        cast(null as numeric(14, 3)) as attributed_tickets,
        cast(null as numeric(14, 3)) as attributed_revenue_eur
    from latest_posts
    left join social_windows on social_windows.platform = latest_posts.platform
),

day_rows as (
    select
        'jour' as row_type,
        page_days.platform,
        cast(null as {{ dbt.type_string() }}) as tool,
        page_days.season,
        cast({{ dbt.date_trunc('month', 'page_days.activity_date') }} as date) as activity_month,
        page_days.activity_date,
        cast(null as {{ dbt.type_string() }}) as post_id,
        cast(null as {{ dbt.type_string() }}) as post_type,
        cast(null as {{ dbt.type_string() }}) as permalink,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ dbt.type_string() }}) as attribution_model_label,
        {{ measurement_status('page_days.activity_date', 'page_days.activity_date',
                              'social_windows.measured_from', 'social_windows.measured_to') }} as measurement_status,
        coalesce(social_windows.window_label, 'aucune mesure réseaux sociaux') as measurement_window_label,
        {%- set values = {
            'reach': 'page_days.reach',
            'followers': 'page_days.followers',
            'new_followers': 'page_days.new_followers'} %}
        {%- for column in counts %}
        cast({{ values.get(column, 'null') }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        cast(null as numeric(14, 3)) as revenue_eur,
        cast(null as numeric(14, 6)) as attributed_orders,
        cast(null as numeric(14, 3)) as attributed_tickets,
        cast(null as numeric(14, 3)) as attributed_revenue_eur
    from page_days
    left join social_windows on social_windows.platform = page_days.platform
),

month_rows as (
    select
        'mois' as row_type,
        platform_months.platform,
        cast(null as {{ dbt.type_string() }}) as tool,
        {{ season_of('cast(platform_months.month as date)') }} as season,
        cast(platform_months.month as date) as activity_month,
        cast(platform_months.month as date) as activity_date,
        cast(null as {{ dbt.type_string() }}) as post_id,
        cast(null as {{ dbt.type_string() }}) as post_type,
        cast(null as {{ dbt.type_string() }}) as permalink,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ dbt.type_string() }}) as attribution_model_label,
        {{ measurement_status('cast(platform_months.month as date)',
                              'cast(' ~ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'platform_months.month')) ~ ' as date)',
                              'social_windows.measured_from', 'social_windows.measured_to') }} as measurement_status,
        coalesce(social_windows.window_label, 'aucune mesure réseaux sociaux') as measurement_window_label,
        {%- set values = {
            'posts': 'coalesce(month_posts.posts, 0)',
            'impressions': 'month_posts.impressions',
            'engagements': 'coalesce(month_posts.engagements, 0)',
            'followers': 'month_followers.followers',
            'new_followers': 'month_new_followers.new_followers',
            'best_post_reach': 'month_posts.best_post_reach'} %}
        {%- for column in counts %}
        cast({{ values.get(column, 'null') }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        cast(null as numeric(14, 3)) as revenue_eur,
        cast(null as numeric(14, 6)) as attributed_orders,
        cast(null as numeric(14, 3)) as attributed_tickets,
        cast(null as numeric(14, 3)) as attributed_revenue_eur
    from platform_months
    left join month_posts
        on month_posts.platform = platform_months.platform and month_posts.month = platform_months.month
    left join month_followers
        on month_followers.platform = platform_months.platform and month_followers.month = platform_months.month
    left join month_new_followers
        on month_new_followers.platform = platform_months.platform and month_new_followers.month = platform_months.month
    left join social_windows on social_windows.platform = platform_months.platform
),

traffic_rows as (
    select
        'trafic' as row_type,
        social_sessions.source as platform,
        social_sessions.tool,
        {{ season_of('cast(social_sessions.month as date)') }} as season,
        cast(social_sessions.month as date) as activity_month,
        cast(social_sessions.month as date) as activity_date,
        cast(null as {{ dbt.type_string() }}) as post_id,
        cast(null as {{ dbt.type_string() }}) as post_type,
        cast(null as {{ dbt.type_string() }}) as permalink,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ dbt.type_string() }}) as attribution_model_label,
        {{ measurement_status('cast(social_sessions.month as date)',
                              'cast(' ~ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'social_sessions.month')) ~ ' as date)',
                              'web_windows.measured_from', 'web_windows.measured_to') }} as measurement_status,
        coalesce(web_windows.window_label, 'aucune mesure web') as measurement_window_label,
        {%- set values = {
            'sessions': 'social_sessions.sessions',
            'purchasing_sessions': 'social_sessions.purchasing_sessions',
            'transactions': 'social_sessions.transactions'} %}
        {%- for column in counts %}
        cast({{ values.get(column, 'null') }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        social_sessions.revenue_eur,
        cast(null as numeric(14, 6)) as attributed_orders,
        cast(null as numeric(14, 3)) as attributed_tickets,
        cast(null as numeric(14, 3)) as attributed_revenue_eur
    from social_sessions
    left join web_windows on web_windows.tool = social_sessions.tool
),

attribution_rows as (
    select
        'attribution' as row_type,
        social_credits.source as platform,
        (select web_windows.tool from web_windows where web_windows.is_attribution_web_tool) as tool,
        {{ season_of('cast(social_credits.month as date)') }} as season,
        cast(social_credits.month as date) as activity_month,
        cast(social_credits.month as date) as activity_date,
        cast(null as {{ dbt.type_string() }}) as post_id,
        cast(null as {{ dbt.type_string() }}) as post_type,
        cast(null as {{ dbt.type_string() }}) as permalink,
        social_credits.attribution_model,
        {{ attribution_model_label('social_credits.attribution_model') }} as attribution_model_label,
        -- credits exist only for orders inside the web window of attribution
        'mesuré' as measurement_status,
        coalesce((select web_windows.window_label from web_windows where web_windows.is_attribution_web_tool), 'aucune mesure web')
            as measurement_window_label,
        {%- set values = {
            } %}
        {%- for column in counts %}
        cast({{ values.get(column, 'null') }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        cast(null as numeric(14, 3)) as revenue_eur,
        cast(social_credits.attributed_orders as numeric(14, 6)) as attributed_orders,
        cast(social_credits.attributed_tickets as numeric(14, 3)) as attributed_tickets,
        {{ money('social_credits.attributed_revenue_eur') }} as attributed_revenue_eur
    from social_credits
)

select * from publication_rows
union all
select * from day_rows
union all
select * from month_rows
union all
select * from traffic_rows
union all
select * from attribution_rows
