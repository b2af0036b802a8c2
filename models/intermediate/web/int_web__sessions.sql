{#- Web sessions of both analytics tools in one table (`tool`): GA4 sessions rebuilt from the
    events (one per user_pseudo_id + ga_session_id; events without either cannot be grouped and
    are left out), Matomo visits as they are. Each carries its traffic source as GA4 reads it —
    source / medium / campaign, canonical (alias seeds), the campaign name parsed by the naming
    convention, the default channel group (macro channel_group with the ga4_source_categories
    seed) and its French label (channel_groups seed) — and its purchases (int_web__transactions,
    so that session revenue and transaction revenue reconcile).
    GA4: the traffic source is that of the session's first event carrying one (a UTM, a Google
    Ads click id); '(direct)' is not one, so a session opened without and tagged later takes the
    tag; none → (direct) / (none). A tag missing one of its parts (a campaign without source)
    reads '(not set)' there, as in GA4, so that it is not taken for direct traffic.
    A planned campaign link keeps the UTM plan's medium when the plan gives one for its source
    (`tagged_medium` keeps what the link said). Matomo: the campaign's source / medium for a campaign visit; a search engine, social network
    or website referrer becomes source = its name (canonical), medium = organic / social /
    referral, as GA4 does for the same visit; a direct entry is (direct) / (none). -#}

{#- Incremental by session (macros/incremental.sql), over the incremental staging: a staging row
    recomputed since this model's last build carries a newer `raw_loaded_through` than this
    model's watermark, and the sessions of those rows are recomputed from all their events (a
    session across midnight is in two daily files: its first day's events are read again).
    A purchase sent again moves to its first event's session (int_web__transactions): every
    session holding a purchase of a transaction id among the recomputed rows is recomputed too,
    the one that loses it included. The traffic classes read the seeds and the UTM plan: a plan
    delivered since the last build (its `raw_loaded_through` newer than the watermark) has every
    session recomputed; a changed seed asks for a `--full-refresh`, as a changed model does.
    Sessions whose every event is gone (the GDPR purge) go with a full rebuild
    (publics/incremental.py). DECISIONLOG.md, "Web sessions incremental". -#}
{%- set ga4_key = ['user_pseudo_id', 'ga_session_id'] -%}
{%- set events_relation = ref('stg_ga4__events') -%}
{%- set visits_relation = ref('stg_matomo__visits') -%}
{%- set plan_relation = ref('stg_spreadsheets__utm_plan') -%}
{{ config(**publics.incremental_config('session_key')) }}
{%- set replanned = is_incremental() and execute and run_query(
    'select count(*) from ' ~ plan_relation ~ ' where raw_loaded_through > ' ~ publics.incremental_watermark()
).columns[0].values()[0] > 0 -%}
{%- set watermark = publics.incremental_watermark() if is_incremental() else none -%}
{%- set resent_purchases -%}
    select {{ ga4_key | join(', ') }} from {{ events_relation }}
    where transaction_id in (
        select transaction_id from {{ events_relation }}
        where raw_loaded_through > {{ watermark }} and transaction_id is not null
    )
{%- endset -%}
{%- set resent_orders -%}
    select visit_key from {{ visits_relation }}
    where order_id in (
        select order_id from {{ visits_relation }}
        where raw_loaded_through > {{ watermark }} and order_id is not null
    )
{%- endset %}

with recomputed_events as (
    select * from {{ events_relation }}
    {{ publics.incremental_filter(ga4_key, [events_relation], resent_purchases, 'raw_loaded_through', replanned) }}
),

events as (
    select * from recomputed_events
    where user_pseudo_id is not null and ga_session_id is not null
),

visits as (
    select * from {{ visits_relation }}
    {{ publics.incremental_filter(['visit_key'], [visits_relation], resent_orders, 'raw_loaded_through', replanned) }}
),

transactions as (
    select * from {{ ref('int_web__transactions') }}
),

source_categories as (
    select * from {{ ref('ga4_source_categories') }}
),

channel_groups as (
    select * from {{ ref('channel_groups') }}
),

planned_media as (
    -- The UTM plan's medium for a campaign's links on a source, where the plan gives only one:
    -- a planned paid link tagged by hand with another medium (`Social` for a paid Facebook ad)
    -- keeps its planned medium, hence its channel. Where the plan has several media for the
    -- campaign on that source (a paid ad and an organic post), the link is read as tagged.
    select utm_campaign, utm_source, min(utm_medium) as planned_medium
    from {{ ref('stg_spreadsheets__utm_plan') }}
    where utm_campaign is not null and utm_source is not null and utm_medium is not null
    group by utm_campaign, utm_source
    having count(distinct utm_medium) = 1
),

ga4_numbered as (
    select
        events.*,
        (coalesce(utm_source, utm_medium, utm_campaign) is not null or has_gclid)
            and (utm_source is distinct from '(direct)') as carries_traffic_source,
        row_number() over (
            partition by user_pseudo_id, ga_session_id
            order by event_at, event_bundle_sequence_id, event_key
        ) as event_number
    from events
),

-- The events that make the session: its first carrying a traffic source, its first with a page,
-- its last with a user_id (the visitor logged in last, who buys).
ga4_marked as (
    select
        ga4_numbered.*,
        min(case when carries_traffic_source then event_number end)
            over (partition by user_pseudo_id, ga_session_id) as source_event_number,
        min(case when page_location is not null then event_number end)
            over (partition by user_pseudo_id, ga_session_id) as landing_event_number,
        max(case when user_id is not null then event_number end)
            over (partition by user_pseudo_id, ga_session_id) as user_event_number,
        -- the funnel's page steps (macros/web_funnel.sql): the first event marking each
        {%- for step in publics.web_funnel_page_steps() %}
        min(case when event_name = '{{ step.ga4_event }}' then event_number end)
            over (partition by user_pseudo_id, ga_session_id) as {{ step.step }}_event_number{{ ',' if not loop.last }}
        {%- endfor %}
    from ga4_numbered
),

ga4_grouped as (
    select
        user_pseudo_id,
        ga_session_id,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        max(case when event_number = user_event_number then user_id end) as user_id,
        max(case when event_number = landing_event_number then page_location end) as landing_page_url,
        max(source_event_number) as source_event_number,
        max(case when event_number = source_event_number then utm_source end) as tagged_source,
        max(case when event_number = source_event_number then utm_medium end) as tagged_medium,
        max(case when event_number = source_event_number then utm_campaign end) as tagged_campaign,
        max(case when event_number = source_event_number and has_gclid then 1 else 0 end) = 1 as has_gclid,
        -- device and place: the same on every event of a session (max skips the events without)
        max(device_category) as device_category,
        max(country) as country,
        max(city) as city,
        count(case when event_name = 'page_view' then 1 end) as pageviews,
        {%- for step in publics.web_funnel_page_steps() %}
        max(case when event_number = {{ step.step }}_event_number then event_at end) as reached_{{ step.step }}_at,
        max(case when event_number = {{ step.step }}_event_number then page_location end) as {{ step.step }}_url{{ ',' if not loop.last }}
        {%- endfor %}
    from ga4_marked
    group by user_pseudo_id, ga_session_id
),

ga4_sessions as (
    select
        'ga4' as tool,
        {{ publics.surrogate_key(["'ga4'", 'user_pseudo_id', 'ga_session_id']) }} as session_key,
        cast(ga_session_id as {{ dbt.type_string() }}) as session_id,
        user_pseudo_id as visitor_id,
        user_pseudo_id as device_id,
        user_id,
        started_at,
        ended_at,
        landing_page_url,
        -- a Google Ads click (gclid) without UTM is google / cpc for GA4
        case when source_event_number is null then '(direct)'
            else coalesce(tagged_source, case when has_gclid then 'google' end, '(not set)') end as source,
        case when source_event_number is null then '(none)'
            else coalesce(tagged_medium, case when has_gclid then 'cpc' end, '(not set)') end as medium,
        tagged_campaign as campaign,
        device_category,
        country,
        city,
        cast(pageviews as {{ dbt.type_int() }}) as pageviews,
        {%- for step in publics.web_funnel_page_steps() %}
        reached_{{ step.step }}_at,
        {{ step.step }}_url{{ ',' if not loop.last }}
        {%- endfor %}
    from ga4_grouped
),

matomo_sessions as (
    select
        'matomo' as tool,
        {{ publics.surrogate_key(["'matomo'", 'site_id', 'visit_id']) }} as session_key,
        visit_id as session_id,
        visitor_id,
        -- the visitor id, never the fingerprint: a fingerprint is not an identity
        visitor_id as device_id,
        user_id,
        first_action_at as started_at,
        last_action_at as ended_at,
        landing_page_url,
        case
            when referrer_type = 'campaign' then coalesce(campaign_source, '(not set)')
            when referrer_type in ('search', 'social', 'website') then coalesce(referrer_source, '(not set)')
            else '(direct)'
        end as source,
        case referrer_type
            when 'campaign' then coalesce(campaign_medium, '(not set)')
            when 'search' then 'organic'
            when 'social' then 'social'
            when 'website' then 'referral'
            else '(none)'
        end as medium,
        case when referrer_type = 'campaign' then campaign_name end as campaign,
        -- Matomo's device types in GA4's device categories
        case lower(device_type)
            when 'desktop' then 'desktop'
            when 'smartphone' then 'mobile'
            when 'phablet' then 'mobile'
            when 'feature phone' then 'mobile'
            when 'tablet' then 'tablet'
            when 'tv' then 'smart tv'
            else lower(device_type)
        end as device_category,
        country,
        city,
        pageviews,
        {%- for step in publics.web_funnel_page_steps() %}
        reached_{{ step.step }}_at,
        {{ step.step }}_url{{ ',' if not loop.last }}
        {%- endfor %}
    from visits
),

unioned as (
    select * from ga4_sessions
    union all
    select * from matomo_sessions
),

session_transactions as (
    select
        session_key,
        count(*) as transactions,
        {{ dbt.listagg('transaction_id', "', '", 'order by purchased_at, transaction_id') }} as transaction_ids,
        sum(revenue) as revenue
    from transactions
    where session_key is not null
    group by session_key
),

-- Each distinct traffic source (source, medium, campaign) classified once: the UTM plan's
-- medium, the campaign name's parts, the source's category and the channel group with its
-- label — regular expressions on a few hundred combinations instead of on every session.
traffic_classes as (
    select
        unioned.source,
        unioned.medium as tagged_medium,
        unioned.campaign,
        coalesce(planned_media.planned_medium, unioned.medium) as medium,
        {{ campaign_part('unioned.campaign', 'season') }} as campaign_season,
        {{ campaign_part('unioned.campaign', 'objective') }} as campaign_objective,
        {{ campaign_part('unioned.campaign', 'show') }} as campaign_show,
        {{ campaign_part('unioned.campaign', 'audience') }} as campaign_audience,
        case when unioned.campaign is not null then {{ campaign_is_conforming('unioned.campaign') }} end
            as is_campaign_conforming,
        source_categories.source_category,
        {{ channel_group('unioned.source', 'coalesce(planned_media.planned_medium, unioned.medium)',
                         'unioned.campaign', 'source_categories.source_category') }} as channel_group
    from unioned
    left join source_categories on source_categories.source = unioned.source
    left join planned_media
        on planned_media.utm_campaign = unioned.campaign
        and planned_media.utm_source = unioned.source
    -- grouped, the expressions above run once per combination (a grouped subquery is not
    -- flattened into the join below)
    group by unioned.source, unioned.medium, unioned.campaign, planned_media.planned_medium,
        source_categories.source_category
),

classes_labelled as (
    select
        traffic_classes.*,
        channel_groups.channel_group_label,
        channel_groups.is_paid as is_paid_channel
    from traffic_classes
    left join channel_groups on channel_groups.channel_group = traffic_classes.channel_group
),

final as (
    select
        unioned.session_key,
        unioned.tool,
        unioned.session_id,
        unioned.visitor_id,
        unioned.device_id,
        unioned.user_id,
        unioned.started_at,
        unioned.ended_at,
        {{ local_date('unioned.started_at') }} as session_date,
        {{ season_of(local_date('unioned.started_at')) }} as season,
        cast(
            {{ dbt.datediff('unioned.started_at', 'unioned.ended_at', 'second') }}
            as {{ dbt.type_int() }}
        ) as duration_s,
        -- the page without its query string (UTM, click ids, anything a form may have put there)
        {{ dbt.split_part(dbt.split_part('unioned.landing_page_url', "'?'", 1), "'#'", 1) }} as landing_page,
        unioned.source,
        classes.medium,
        classes.tagged_medium,
        unioned.campaign,
        classes.campaign_season,
        classes.campaign_objective,
        classes.campaign_show,
        classes.campaign_audience,
        classes.is_campaign_conforming,
        classes.source_category,
        classes.channel_group,
        classes.channel_group_label,
        classes.is_paid_channel,
        unioned.device_category,
        unioned.country,
        unioned.city,
        unioned.pageviews,
        cast(coalesce(session_transactions.transactions, 0) as {{ dbt.type_int() }}) as transactions,
        session_transactions.transaction_ids,
        cast(session_transactions.revenue as numeric(12, 2)) as revenue,
        coalesce(session_transactions.transactions, 0) > 0 as has_purchase,
        {%- for step in publics.web_funnel_page_steps() %}
        unioned.reached_{{ step.step }}_at,
        {%- endfor %}
        -- the show page the visitor saw first, without its query string (the funnel's by-show view)
        {{ dbt.split_part(dbt.split_part('unioned.show_page_url', "'?'", 1), "'#'", 1) }} as show_page,
        {{ publics.raw_loaded_through([events_relation, visits_relation, plan_relation], 'raw_loaded_through') }}
            as raw_loaded_through
    from unioned
    -- null-safe equality written as two equalities per column, so that Postgres can hash it
    inner join classes_labelled as classes
        on coalesce(classes.source, '') = coalesce(unioned.source, '')
        and (classes.source is null) = (unioned.source is null)
        and coalesce(classes.tagged_medium, '') = coalesce(unioned.medium, '')
        and (classes.tagged_medium is null) = (unioned.medium is null)
        and coalesce(classes.campaign, '') = coalesce(unioned.campaign, '')
        and (classes.campaign is null) = (unioned.campaign is null)
    left join session_transactions on session_transactions.session_key = unioned.session_key
)

select * from final
