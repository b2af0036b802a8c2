{#- Matomo visits (`Live.getLastVisitsDetails`), delivered as JSON or as Matomo's CSV export,
    one row per visit: the latest version of each (id_site, id_visit) — a visit delivered again
    later may be longer. Everything is read from `record`, the visit as delivered: the JSON keeps
    `actionDetails` as an array, the CSV flattens it into `actionDetails_<n>_<field>` keys, rebuilt
    here into the same array so that both are read alike. Ecommerce orders are the actions of
    type `ecommerceOrder` (orderId, revenue): one per visit is the norm, the last is kept, with
    the count and the list of all. JSON members are read through the dispatched macros of
    macros/cross_db.sql; the flattening itself (jsonb_to_record, jsonb_each,
    jsonb_array_elements, jsonb_agg in lateral joins) is the PostgreSQL-specific part a second
    adapter rewrites; the rest goes through dbt's cross-database macros. -#}
{%- set integer_pattern = '^[0-9]+$' -%}
{%- set decimal_pattern = '^-?[0-9]+([.][0-9]+)?$' -%}
{%- set epoch = "cast('1970-01-01 00:00:00+00' as timestamp with time zone)" -%}

{#- The visit fields read from `record` (Matomo's names). -#}
{%- set visit_fields = ['idSite', 'idVisit', 'visitorId', 'fingerprint', 'userId', 'firstActionTimestamp', 'lastActionTimestamp',
    'serverTimestamp', 'lastActionDateTime', 'serverDate', 'visitDuration', 'visitorType', 'visitCount',
    'referrerType', 'referrerName', 'referrerKeyword', 'referrerUrl', 'campaignId', 'campaignName',
    'campaignSource', 'campaignMedium', 'campaignKeyword', 'campaignContent', 'deviceType', 'country',
    'countryCode', 'city', 'actions', 'goalConversions', 'visitConverted', 'visitEcommerceStatus',
    'siteCurrency'] -%}

{#- Unix seconds (a JSON number or its text) → timestamp with time zone; anything else → null.
    A template: `{{ unix_seconds | replace('EXPR', '"serverTimestamp"') }}`. -#}
{%- set unix_seconds -%}
    case when {{ publics.regex_matches('trim(EXPR)', integer_pattern) }}
        then {{ dbt.dateadd('second', 'cast(trim(EXPR) as ' ~ dbt.type_bigint() ~ ')', epoch) }} end
{%- endset -%}

{#- Campaign URL parameters, in Matomo's order of precedence (MarketingCampaignsReporting). -#}
{%- set campaign_url_parameters = {
    'name': ['mtm_campaign', 'matomo_campaign', 'mtm_cpn', 'pk_campaign', 'piwik_campaign', 'pk_cpn', 'utm_campaign'],
    'source': ['mtm_source', 'pk_source', 'utm_source'],
    'medium': ['mtm_medium', 'pk_medium', 'utm_medium'],
    'keyword': ['mtm_keyword', 'matomo_kwd', 'mtm_kwd', 'pk_keyword', 'piwik_kwd', 'pk_kwd', 'utm_term'],
    'content': ['mtm_content', 'pk_content', 'utm_content'],
} -%}

{#- Incremental by visit (macros/incremental.sql): a batch that delivers a visit again has all its
    versions, JSON and CSV, ranked again. The raw key columns are the record's idSite / idVisit. -#}
{%- set raw_visit_key = [clean_text('id_site'), clean_text('id_visit')] -%}
{#- the index on order_id: int_web__sessions reads the visits of a recomputed visit's order -#}
{{ config(**publics.incremental_config('visit_key', raw_visit_key, [['matomo', 'visits'], ['matomo', 'visits_csv']],
    [['order_id']])) }}
{%- set raw_visits = [source('matomo', 'visits'), source('matomo', 'visits_csv')] -%}

with json_visits as (
    select 'json' as delivery_format, record, cast(null as {{ publics.type_json() }}) as csv_action_details, _source_file, _row_number, _loaded_at
    from {{ source('matomo', 'visits') }}
    {{ publics.incremental_filter(raw_visit_key, raw_visits) }}
),

-- the CSV's actionDetails rebuilt from its flattened keys (actionDetails_1_orderId → the second
-- action's orderId)
csv_visits as (
    select 'csv' as delivery_format, csv.record, csv_actions.action_details as csv_action_details, csv._source_file, csv._row_number, csv._loaded_at
    from (
        select * from {{ source('matomo', 'visits_csv') }}
        {{ publics.incremental_filter(raw_visit_key, raw_visits) }}
    ) as csv
    -- a lateral subquery: it reads the row's own record (a CTE cannot)
    left join lateral (  -- noqa: ST05
        select jsonb_agg(action order by position) as action_details
        from (
            select
                cast(matched.parts[1] as integer) as position,
                jsonb_object_agg(matched.parts[2], flat_fields.value) as action
            from jsonb_each(csv.record) as flat_fields (key, value)
            cross join lateral regexp_match(flat_fields.key, '^actionDetails_([0-9]+)_(.+)$') as matched (parts)
            where flat_fields.key like 'actionDetails%' and matched.parts is not null
            group by cast(matched.parts[1] as integer)
        ) as flattened_actions
    ) as csv_actions on true
),

unioned as (
    select * from json_visits
    union all
    select * from csv_visits
),

-- Every version flattened, then the latest chosen among the narrow rows (sorting whole visits
-- with their actions would cost far more than flattening the rare visit delivered twice).
visits as (
    select
        unioned.delivery_format,
        {%- for field in visit_fields %}
        fields."{{ field }}",
        {%- endfor %}
        coalesce(
            case when {{ publics.json_is_array('fields."actionDetails"') }} then fields."actionDetails" end,
            unioned.csv_action_details,
            cast('[]' as {{ publics.type_json() }})
        ) as action_details,
        unioned._source_file,
        unioned._row_number,
        unioned._loaded_at
    from unioned
    -- the record's fields read in one pass (each `record ->> key` would decompress it again)
    cross join lateral jsonb_to_record(unioned.record) as fields (
        {%- for field in visit_fields %}
        "{{ field }}" text,
        {%- endfor %}
        "actionDetails" {{ publics.type_json() }}
    )
),

with_actions as (
    select
        visits.*,
        summary.first_action_ts,
        summary.pageviews,
        landing.url as landing_page_url,
        summary.order_count,
        summary.order_ids,
        summary.orders_revenue,
        {%- for step in publics.web_funnel_page_steps() %}
        summary.{{ step.step }}_ts,
        summary.{{ step.step }}_url,
        {%- endfor %}
        last_order.order_id,
        last_order.order_revenue,
        last_order.ordered_ts
    from visits
    left join lateral (
        select
            min(case when {{ publics.regex_matches(publics.json_text('action', 'timestamp'), integer_pattern) }}
                then cast({{ publics.json_text('action', 'timestamp') }} as {{ dbt.type_bigint() }}) end) as first_action_ts,
            count(case when {{ publics.json_text('action', 'type') }} = 'action' then 1 end) as pageviews,
            count(case when {{ publics.json_text('action', 'type') }} = 'ecommerceOrder' then 1 end) as order_count,
            {{ dbt.listagg(
                "case when " ~ publics.json_text('action', 'type') ~ " = 'ecommerceOrder' then nullif(trim(" ~ publics.json_text('action', 'orderId') ~ "), '') end",
                "', '", 'order by position') }} as order_ids,
            sum(case when {{ publics.json_text('action', 'type') }} = 'ecommerceOrder'
                    and {{ publics.regex_matches("trim(" ~ publics.json_text('action', 'revenue') ~ ")", decimal_pattern) }}
                then cast(trim({{ publics.json_text('action', 'revenue') }}) as numeric) end) as orders_revenue,
            {#- the funnel's page steps (macros/web_funnel.sql): the first page of each, and its URL -#}
            {%- for step in publics.web_funnel_page_steps() %}
            min(case when {{ publics.json_text('action', 'type') }} = 'action'
                    and {{ publics.json_text('action', 'url') }} like '%{{ step.matomo_url }}%'
                    and {{ publics.regex_matches(publics.json_text('action', 'timestamp'), integer_pattern) }}
                then cast({{ publics.json_text('action', 'timestamp') }} as {{ dbt.type_bigint() }}) end) as {{ step.step }}_ts,
            (array_agg(nullif(trim({{ publics.json_text('action', 'url') }}), '') order by position)
                filter (where {{ publics.json_text('action', 'type') }} = 'action'
                    and {{ publics.json_text('action', 'url') }} like '%{{ step.matomo_url }}%'))[1] as {{ step.step }}_url{{ ',' if not loop.last }}
            {%- endfor %}
        -- the alias only names the function's columns (action, position)
        from jsonb_array_elements(visits.action_details) with ordinality as actions_array (action, position)  -- noqa: AL05
    ) as summary on true
    left join lateral (
        select nullif(trim({{ publics.json_text('action', 'url') }}), '') as url
        -- the alias only names the function's columns (action, position)
        from jsonb_array_elements(visits.action_details) with ordinality as actions_array (action, position)  -- noqa: AL05
        where {{ publics.json_text('action', 'type') }} = 'action'
        order by position
        limit 1
    ) as landing on true
    left join lateral (
        select
            nullif(trim({{ publics.json_text('action', 'orderId') }}), '') as order_id,
            case when {{ publics.regex_matches("trim(" ~ publics.json_text('action', 'revenue') ~ ")", decimal_pattern) }}
                then cast(trim({{ publics.json_text('action', 'revenue') }}) as numeric) end as order_revenue,
            {{ publics.json_text('action', 'timestamp') }} as ordered_ts
        -- the alias only names the function's columns (action, position)
        from jsonb_array_elements(visits.action_details) with ordinality as actions_array (action, position)  -- noqa: AL05
        where {{ publics.json_text('action', 'type') }} = 'ecommerceOrder'
        order by position desc
        limit 1
    ) as last_order on true
),

-- Materialised (PostgreSQL 12+): computed once per visit. Inlined, the expressions would be
-- expanded again at each reference below (regular expressions on the landing URL included).
typed as {{ publics.materialized_cte() }} (
    select
        {{ clean_text('"idSite"') }} as site_id,
        {{ clean_text('"idVisit"') }} as visit_id,
        lower({{ clean_text('"visitorId"') }}) as visitor_id,
        -- the device's configuration hash: stays the same when a logged-in visit's visitorId is
        -- overwritten by the user id (enable_userid_overwrites_visitorid)
        lower({{ clean_text('"fingerprint"') }}) as fingerprint,
        {{ clean_text('"userId"') }} as user_id,
        {{ unix_seconds | replace('EXPR', '"firstActionTimestamp"') }} as first_action_delivered,
        {{ dbt.dateadd('second', 'first_action_ts', epoch) }} as first_action_of_actions,
        coalesce(
            {{ unix_seconds | replace('EXPR', '"lastActionTimestamp"') }},
            {{ unix_seconds | replace('EXPR', '"serverTimestamp"') }},
            -- lastActionDateTime is written in UTC
            case when {{ publics.regex_matches('"lastActionDateTime"', '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$') }}
                then {{ publics.from_wall_clock('cast("lastActionDateTime" as ' ~ dbt.type_timestamp() ~ ')', 'UTC') }} end
        ) as last_action_at,
        case when {{ publics.regex_matches('"serverDate"', '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') }}
            then cast("serverDate" as date) end as server_date,
        case when {{ publics.regex_matches('trim("visitDuration")', integer_pattern) }}
            then cast(trim("visitDuration") as {{ dbt.type_int() }}) end as visit_duration_s,
        lower({{ clean_text('"visitorType"') }}) as visitor_type,
        case when {{ publics.regex_matches('trim("visitCount")', integer_pattern) }}
            then cast(trim("visitCount") as {{ dbt.type_int() }}) end as visit_count,
        lower({{ clean_text('"referrerType"') }}) as referrer_type,
        {{ clean_text('"referrerName"') }} as referrer_name,
        {{ clean_text('"referrerKeyword"') }} as referrer_keyword,
        {{ clean_text('"referrerUrl"') }} as referrer_url,
        {{ clean_text('"campaignId"') }} as campaign_id,
        {{ clean_text('"campaignName"') }} as campaign_name_delivered,
        {{ clean_text('"campaignSource"') }} as campaign_source_delivered,
        {{ clean_text('"campaignMedium"') }} as campaign_medium_delivered,
        {{ clean_text('"campaignKeyword"') }} as campaign_keyword_delivered,
        {{ clean_text('"campaignContent"') }} as campaign_content_delivered,
        landing_page_url,
        {{ clean_text('"deviceType"') }} as device_type,
        {{ clean_text('"country"') }} as country,
        upper({{ clean_text('"countryCode"') }}) as country_code,
        {{ clean_text('"city"') }} as city,
        case when {{ publics.regex_matches('trim("actions")', integer_pattern) }}
            -- quoted like every field Matomo names (most are camelCase)
            then cast(trim("actions") as {{ dbt.type_int() }}) end as actions,  -- noqa: RF06
        cast(pageviews as {{ dbt.type_int() }}) as pageviews,
        case when {{ publics.regex_matches('trim("goalConversions")', integer_pattern) }}
            then cast(trim("goalConversions") as {{ dbt.type_int() }}) end as goal_conversions,
        case trim("visitConverted") when '1' then true when '0' then false end as is_visit_converted,
        {{ clean_text('"visitEcommerceStatus"') }} as ecommerce_status,
        order_id,
        order_ids,
        cast(order_count as {{ dbt.type_int() }}) as order_count,
        cast(order_revenue as numeric(12, 2)) as order_revenue,
        cast(orders_revenue as numeric(12, 2)) as orders_revenue,
        {{ unix_seconds | replace('EXPR', 'ordered_ts') }} as ordered_at_delivered,
        {%- for step in publics.web_funnel_page_steps() %}
        {{ dbt.dateadd('second', step.step ~ '_ts', epoch) }} as reached_{{ step.step }}_at,
        {{ step.step }}_url,
        {%- endfor %}
        upper({{ clean_text('"siteCurrency"') }}) as currency,
        delivery_format,
        _source_file,
        _row_number,
        _loaded_at
    from with_actions
),

-- Campaign fields: the MarketingCampaignsReporting plugin's when delivered; without it Matomo
-- keeps the campaign name and keyword in referrerName / referrerKeyword, and the source and
-- medium are only in the landing URL (mtm_*, pk_*, utm_* parameters).
campaigns as (
    select
        typed.*,
        {%- for field, names in campaign_url_parameters.items() %}
        case when referrer_type = 'campaign' then coalesce(
                campaign_{{ field }}_delivered,
                {%- if field == 'name' %} referrer_name,{% elif field == 'keyword' %} referrer_keyword,{% endif %}
                {%- for name in names %}
                {{ publics.url_parameter('landing_page_url', name) }}{{ ',' if not loop.last }}
                {%- endfor %})
            else campaign_{{ field }}_delivered
        end as campaign_{{ field }}_raw{{ ',' if not loop.last }}
        {%- endfor %}
    from typed
),

normalised as (
    select
        {{ publics.surrogate_key(['campaigns.site_id', 'campaigns.visit_id']) }} as visit_key,
        campaigns.site_id,
        campaigns.visit_id,
        campaigns.visitor_id,
        campaigns.fingerprint,
        campaigns.user_id,
        coalesce(campaigns.first_action_delivered, campaigns.first_action_of_actions, campaigns.last_action_at) as first_action_at,
        campaigns.last_action_at,
        campaigns.server_date,
        campaigns.visit_duration_s,
        campaigns.visitor_type,
        campaigns.visit_count,
        campaigns.referrer_type,
        campaigns.referrer_name,
        campaigns.referrer_keyword,
        campaigns.referrer_url,
        -- the traffic source a search engine, social network or website referrer stands for
        case when campaigns.referrer_type in ('search', 'social', 'website')
            then {{ canonical_utm('campaigns.referrer_name', 'referrer_aliases.utm_source') }} end as referrer_source,
        campaigns.campaign_id,
        {{ clean_utm('campaigns.campaign_name_raw') }} as campaign_name,
        {{ canonical_utm('campaigns.campaign_source_raw', 'source_aliases.utm_source') }} as campaign_source,
        {{ canonical_utm('campaigns.campaign_medium_raw', 'medium_aliases.utm_medium') }} as campaign_medium,
        {{ clean_utm('campaigns.campaign_keyword_raw') }} as campaign_keyword,
        {{ clean_utm('campaigns.campaign_content_raw') }} as campaign_content,
        campaigns.landing_page_url,
        campaigns.device_type,
        campaigns.country,
        campaigns.country_code,
        campaigns.city,
        campaigns.actions,
        campaigns.pageviews,
        campaigns.goal_conversions,
        campaigns.is_visit_converted,
        campaigns.ecommerce_status,
        campaigns.order_id,
        campaigns.order_ids,
        campaigns.order_count,
        campaigns.order_revenue,
        campaigns.orders_revenue,
        case when campaigns.order_id is not null
            then coalesce(campaigns.ordered_at_delivered, campaigns.last_action_at) end as ordered_at,
        {%- for step in publics.web_funnel_page_steps() %}
        campaigns.reached_{{ step.step }}_at,
        campaigns.{{ step.step }}_url,
        {%- endfor %}
        campaigns.currency,
        campaigns.delivery_format,
        campaigns._source_file,
        campaigns._row_number,
        campaigns._loaded_at
    from campaigns
    left join {{ ref('utm_source_aliases') }} as referrer_aliases
        on referrer_aliases.alias = {{ clean_utm('campaigns.referrer_name') }}
    left join {{ ref('utm_source_aliases') }} as source_aliases
        on source_aliases.alias = {{ clean_utm('campaigns.campaign_source_raw') }}
    left join {{ ref('utm_medium_aliases') }} as medium_aliases
        on medium_aliases.alias = {{ clean_utm('campaigns.campaign_medium_raw') }}
),

-- The latest version of each visit: the one whose last action is the latest; on a tie, the JSON
-- delivery (it has the whole visit, the CSV export only the columns of its header), then the
-- order of latest_record (loaded last, later file, later line).
ranked as (
    select
        normalised.*,
        row_number() over (
            partition by site_id, visit_id
            order by last_action_at desc nulls last,
                case delivery_format when 'json' then 1 else 0 end desc,
                _loaded_at desc, _source_file desc, _row_number desc
        ) as _version_rank
    from normalised
),

final as (
    select
        visit_key,
        site_id,
        visit_id,
        visitor_id,
        fingerprint,
        user_id,
        first_action_at,
        last_action_at,
        coalesce({{ local_date('first_action_at') }}, server_date) as visit_date,
        visit_duration_s,
        visitor_type,
        visit_count,
        referrer_type,
        referrer_name,
        referrer_keyword,
        referrer_url,
        referrer_source,
        campaign_id,
        campaign_name,
        campaign_source,
        campaign_medium,
        campaign_keyword,
        campaign_content,
        landing_page_url,
        device_type,
        country,
        country_code,
        city,
        actions,
        pageviews,
        goal_conversions,
        is_visit_converted,
        ecommerce_status,
        order_id,
        order_ids,
        order_count,
        order_revenue,
        orders_revenue,
        ordered_at,
        {%- for step in publics.web_funnel_page_steps() %}
        reached_{{ step.step }}_at,
        {{ step.step }}_url,
        {%- endfor %}
        currency,
        delivery_format,
        _source_file as source_file,
        {{ publics.raw_loaded_through(raw_visits) }} as raw_loaded_through
    from ranked
    where _version_rank = 1
)

select * from final
