{#- GA4 events of the BigQuery export, one row per event of the kept delivery of its day
    (base_ga4__deliveries: the daily table over the intraday one, the latest export of a day over
    the earlier ones, the shards of one export together), typed and flattened from `record`.
    INT64 values arrive as JSON strings; timestamps are microseconds since the epoch (UTC).
    The UTM of an event: GA4's own `collected_traffic_source` (manual_*), else the utm_*
    parameters of the page URL, else the older `source`/`medium`/`campaign` event parameters —
    the three fields always from the same origin, never mixed. JSON members are read through
    the dispatched macros of macros/cross_db.sql (json_get, json_text, json_is_array, type_json);
    the flattening itself (jsonb_to_record, jsonb_array_elements in lateral joins) is the
    PostgreSQL-specific part a second adapter rewrites; the rest goes through dbt's
    cross-database macros. -#}

{#- An event parameter's value as text, whichever of its typed fields is filled
    (ga_session_id is usually int_value, sometimes string_value when sent by a server container). -#}
{%- set param_value -%}
    coalesce({{ publics.json_text(publics.json_get('param', 'value'), 'string_value') }},
             {{ publics.json_text(publics.json_get('param', 'value'), 'int_value') }},
             {{ publics.json_text(publics.json_get('param', 'value'), 'double_value') }},
             {{ publics.json_text(publics.json_get('param', 'value'), 'float_value') }})
{%- endset -%}
{%- set params = ['ga_session_id', 'ga_session_number', 'page_location', 'page_referrer', 'page_title',
                  'source', 'medium', 'campaign', 'term', 'content', 'transaction_id', 'value', 'currency'] -%}
{%- set integer_pattern = '^[0-9]+$' -%}
{%- set decimal_pattern = '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$' -%}

{#- Incremental by event day (macros/incremental.sql): a batch that delivers a day again (a new
    export, the daily table after the intraday one) has the whole day chosen again
    (base_ga4__deliveries ranks a day's deliveries) and recomputed from all of its raw rows. -#}
{#- indexes: int_web__sessions reads the events of its recomputed sessions and transactions -#}
{{ config(**publics.incremental_config('event_date', ['event_date'], [['ga4', 'events']],
    [['user_pseudo_id', 'ga_session_id'], ['transaction_id']])) }}
{%- set raw_events = [source('ga4', 'events')] -%}

with events as (
    select * from {{ source('ga4', 'events') }}
    {{ publics.incremental_filter(['event_date'], raw_events) }}
),

deliveries as (
    select * from {{ ref('base_ga4__deliveries') }}
),

-- the kept delivery of each day (base_ga4__deliveries): the daily table over the intraday one, the
-- latest export over the earlier ones, the shards of one export together
source as (
    select events.*
    from events
    inner join deliveries
        on
            events._file_hash = deliveries.file_hash
            and events.event_date = deliveries.event_date
            and coalesce(events.stream_id, '') = deliveries.stream_key
    where deliveries.is_kept
),

-- Flattened before the latest version is chosen: ranking the narrow typed rows is much cheaper
-- than sorting whole events (and the rare re-delivered duplicate costs one more flattening).
flattened as (
    select
        source.user_pseudo_id,
        source.event_timestamp,
        source.event_name,
        source.event_bundle_sequence_id,
        source.event_date,
        source.user_id,
        source.stream_id,
        source.platform,
        record_fields.collected_traffic_source as collected,
        record_fields.ecommerce,
        {{ publics.json_text('record_fields.device', 'category') }} as device_category_raw,
        {{ publics.json_text('record_fields.geo', 'country') }} as country_raw,
        {{ publics.json_text('record_fields.geo', 'city') }} as city_raw,
        {%- for name in params %}
        event_params.param_{{ name }},
        {%- endfor %}
        source._source_file,
        source._row_number,
        source._loaded_at
    from source
    -- the record's top-level fields read in one pass (each `record -> key` would decompress it again)
    cross join lateral jsonb_to_record(source.record) as record_fields (
        event_params {{ publics.type_json() }}, collected_traffic_source {{ publics.type_json() }}, ecommerce {{ publics.type_json() }},
        device {{ publics.type_json() }}, geo {{ publics.type_json() }}
    )
    left join lateral (
        select
            {%- for name in params %}
            max(case when {{ publics.json_text('param', 'key') }} = '{{ name }}' then {{ param_value }} end) as param_{{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from jsonb_array_elements(
            case when {{ publics.json_is_array('record_fields.event_params') }} then record_fields.event_params
                else cast('[]' as {{ publics.type_json() }}) end
        -- the alias only names the function's column (param)
        ) as event_params_array (param)  -- noqa: AL05
    ) as event_params on true
),

-- Materialised (PostgreSQL 12+): computed once per event. Inlined, the UTM expressions below
-- would be expanded again at every reference (regular expressions on the URL evaluated dozens
-- of times per row) and the whole `record` carried through the joins and the ranking.
typed as {{ publics.materialized_cte() }} (
    select
        {{ publics.surrogate_key(['user_pseudo_id', 'event_timestamp', 'event_name', 'event_bundle_sequence_id']) }} as event_key,
        case when {{ publics.regex_matches('event_timestamp', integer_pattern) }} then
            {{ dbt.dateadd('microsecond', 'cast(event_timestamp as ' ~ dbt.type_bigint() ~ ')', "cast('1970-01-01 00:00:00+00' as timestamp with time zone)") }}
        end as event_at,
        case when {{ publics.regex_matches('event_date', '^[0-9]{8}$') }} then to_date(event_date, 'YYYYMMDD') end as event_date,
        lower(trim(event_name)) as event_name,
        case when {{ publics.regex_matches('event_bundle_sequence_id', integer_pattern) }}
            then cast(event_bundle_sequence_id as {{ dbt.type_bigint() }}) end as event_bundle_sequence_id,
        {{ clean_text('user_pseudo_id') }} as user_pseudo_id,
        -- Consent Mode: without analytics_storage consent, GA4 sends cookieless pings, exported
        -- without user_pseudo_id (null or the key left out) and without ga_session_id
        {{ clean_text('user_pseudo_id') }} is null as is_cookieless_ping,
        {{ clean_text('user_id') }} as user_id,
        case when {{ publics.regex_matches('trim(param_ga_session_id)', integer_pattern) }}
            then cast(trim(param_ga_session_id) as {{ dbt.type_bigint() }}) end as ga_session_id,
        case when {{ publics.regex_matches('trim(param_ga_session_number)', integer_pattern) }}
            then cast(trim(param_ga_session_number) as {{ dbt.type_int() }}) end as ga_session_number,
        {{ clean_text('param_page_location') }} as page_location,
        {{ clean_text('param_page_referrer') }} as page_referrer,
        {{ clean_text('param_page_title') }} as page_title,

        -- the three origins of the event's UTM, cleaned (trimmed, lower case, '' and '(not set)' as
        -- null); the URL's regular expressions only where the URL can hold a tag (most pages don't)
        -- as the link was tagged, before cleaning (what the tagging conformity judges: quality_metrics)
        {{ publics.json_text('collected', 'manual_source') }} as tagged_source,
        {{ publics.json_text('collected', 'manual_medium') }} as tagged_medium,
        {{ clean_utm(publics.json_text('collected', 'manual_source')) }} as collected_source,
        {{ clean_utm(publics.json_text('collected', 'manual_medium')) }} as collected_medium,
        {{ clean_utm(publics.json_text('collected', 'manual_campaign_name')) }} as collected_campaign,
        {{ clean_utm(publics.json_text('collected', 'manual_term')) }} as collected_term,
        {{ clean_utm(publics.json_text('collected', 'manual_content')) }} as collected_content,
        case when param_page_location like '%utm%' then {{ clean_utm(publics.url_parameter('param_page_location', 'utm_source')) }} end as url_source,
        case when param_page_location like '%utm%' then {{ clean_utm(publics.url_parameter('param_page_location', 'utm_medium')) }} end as url_medium,
        case when param_page_location like '%utm%' then {{ clean_utm(publics.url_parameter('param_page_location', 'utm_campaign')) }} end as url_campaign,
        case when param_page_location like '%utm%' then {{ clean_utm(publics.url_parameter('param_page_location', 'utm_term')) }} end as url_term,
        case when param_page_location like '%utm%' then {{ clean_utm(publics.url_parameter('param_page_location', 'utm_content')) }} end as url_content,
        {{ clean_utm('param_source') }} as param_source,
        {{ clean_utm('param_medium') }} as param_medium,
        {{ clean_utm('param_campaign') }} as param_campaign,
        {{ clean_utm('param_term') }} as param_term,
        {{ clean_utm('param_content') }} as param_content,
        coalesce({{ clean_text(publics.json_text('collected', 'gclid')) }},
            case when param_page_location like '%gclid%' then {{ publics.url_parameter('param_page_location', 'gclid') }} end) is not null as has_gclid,

        nullif(lower({{ clean_text('device_category_raw') }}), '(not set)') as device_category,
        nullif({{ clean_text('country_raw') }}, '(not set)') as country,
        nullif({{ clean_text('city_raw') }}, '(not set)') as city,
        nullif({{ clean_text('coalesce(' ~ publics.json_text('ecommerce', 'transaction_id') ~ ', param_transaction_id)') }}, '(not set)') as transaction_id_raw,
        case
            when {{ publics.regex_matches('trim(' ~ publics.json_text('ecommerce', 'purchase_revenue') ~ ')', decimal_pattern) }}
                then cast(trim({{ publics.json_text('ecommerce', 'purchase_revenue') }}) as numeric)
            when {{ publics.regex_matches('trim(param_value)', decimal_pattern) }}
                then cast(trim(param_value) as numeric)
        end as revenue_raw,
        upper({{ clean_text('param_currency') }}) as currency_raw,
        {{ clean_text('stream_id') }} as stream_id,
        upper({{ clean_text('platform') }}) as platform,
        _source_file,
        _row_number,
        _loaded_at
    from flattened
),

with_utm as (
    select
        typed.*,
        case
            when coalesce(collected_source, collected_medium, collected_campaign) is not null then 'collected_traffic_source'
            when coalesce(url_source, url_medium, url_campaign) is not null then 'page_location'
            when coalesce(param_source, param_medium, param_campaign) is not null then 'event_params'
        end as utm_origin
    from typed
),

chosen as (
    select
        with_utm.*,
        case utm_origin when 'collected_traffic_source' then collected_source when 'page_location' then url_source else param_source end as utm_source_clean,
        case utm_origin when 'collected_traffic_source' then collected_medium when 'page_location' then url_medium else param_medium end as utm_medium_clean,
        case utm_origin when 'collected_traffic_source' then collected_campaign when 'page_location' then url_campaign else param_campaign end
            as utm_campaign_clean,
        case utm_origin when 'collected_traffic_source' then collected_term when 'page_location' then url_term else param_term end as utm_term,
        case utm_origin when 'collected_traffic_source' then collected_content when 'page_location' then url_content else param_content end as utm_content
    from with_utm
),

normalised as (
    select
        chosen.event_key,
        chosen.event_at,
        chosen.event_date,
        chosen.event_name,
        chosen.event_bundle_sequence_id,
        chosen.user_pseudo_id,
        chosen.is_cookieless_ping,
        chosen.user_id,
        chosen.ga_session_id,
        chosen.ga_session_number,
        chosen.page_location,
        chosen.page_referrer,
        chosen.page_title,
        {{ canonical_utm('chosen.utm_source_clean', 'source_aliases.utm_source') }} as utm_source,
        {{ canonical_utm('chosen.utm_medium_clean', 'medium_aliases.utm_medium') }} as utm_medium,
        -- GA4 writes its placeholders in parentheses ('(organic)', '(referral)', '(direct)'): not a campaign
        case when chosen.utm_campaign_clean not like '(%)' then chosen.utm_campaign_clean end as utm_campaign,
        chosen.utm_term,
        chosen.utm_content,
        chosen.utm_origin,
        chosen.tagged_source,
        chosen.tagged_medium,
        chosen.has_gclid,
        chosen.device_category,
        chosen.country,
        chosen.city,
        case when chosen.event_name = 'purchase' then chosen.transaction_id_raw end as transaction_id,
        cast(case when chosen.event_name = 'purchase' then chosen.revenue_raw end as numeric(12, 2)) as purchase_revenue,
        case when chosen.event_name = 'purchase' then chosen.currency_raw end as currency,
        chosen.stream_id,
        chosen.platform,
        chosen._source_file,
        chosen._row_number,
        chosen._loaded_at
    from chosen
    left join {{ ref('utm_source_aliases') }} as source_aliases on source_aliases.alias = chosen.utm_source_clean
    left join {{ ref('utm_medium_aliases') }} as medium_aliases on medium_aliases.alias = chosen.utm_medium_clean
),

-- one row per event: an event the kept delivery holds twice (the same row exported twice) once
latest as (
    {{ latest_record('normalised', 'event_key', '_loaded_at') }}
),

final as (
    select
        event_key,
        event_at,
        event_date,
        event_name,
        event_bundle_sequence_id,
        user_pseudo_id,
        is_cookieless_ping,
        user_id,
        ga_session_id,
        ga_session_number,
        page_location,
        page_referrer,
        page_title,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_term,
        utm_content,
        utm_origin,
        tagged_source,
        tagged_medium,
        has_gclid,
        device_category,
        country,
        city,
        transaction_id,
        purchase_revenue,
        currency,
        stream_id,
        platform,
        _source_file as source_file,
        {{ publics.raw_loaded_through(raw_events) }} as raw_loaded_through
    from latest
)

select * from final
