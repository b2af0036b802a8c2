{#- One row per web purchase seen by GA4 (purchase events) or Matomo (ecommerce orders), for
    matching with the ticketing orders. A transaction sent twice (confirmation page reloaded, a
    later session) is one purchase: its first event is kept and the events merged are counted.
    A GA4 purchase without transaction_id stays, on its own (matched later by time and amount).
    The session key is the one int_web__sessions gives the session; a cookieless GA4 purchase
    (no user_pseudo_id) or one without ga_session_id has none. -#}
with events as (
    select * from {{ ref('stg_ga4__events') }}
),

visits as (
    select * from {{ ref('stg_matomo__visits') }}
),

ga4_purchases as (
    select
        event_key,
        transaction_id,
        coalesce(transaction_id, event_key) as purchase_id,
        event_at as purchased_at,
        purchase_revenue as revenue,
        currency,
        user_pseudo_id,
        ga_session_id,
        user_id
    from events
    where event_name = 'purchase'
),

ga4_ranked as (
    select
        ga4_purchases.*,
        row_number() over (partition by purchase_id order by purchased_at, event_key) as purchase_rank,
        count(*) over (partition by purchase_id) as purchase_events
    from ga4_purchases
),

ga4_firsts as (
    select * from ga4_ranked where purchase_rank = 1
),

-- The buyer logged in on another page of the session: the session's last user_id.
purchase_sessions as (
    select distinct user_pseudo_id, ga_session_id
    from ga4_firsts
    where user_pseudo_id is not null and ga_session_id is not null
),

session_users as (
    select
        events.user_pseudo_id,
        events.ga_session_id,
        events.user_id,
        row_number() over (
            partition by events.user_pseudo_id, events.ga_session_id
            order by events.event_at desc, events.event_bundle_sequence_id desc, events.event_key desc
        ) as user_rank
    from events
    inner join purchase_sessions
        on purchase_sessions.user_pseudo_id = events.user_pseudo_id
        and purchase_sessions.ga_session_id = events.ga_session_id
    where events.user_id is not null
),

ga4_transactions as (
    select
        'ga4' as tool,
        ga4_firsts.purchase_id,
        ga4_firsts.transaction_id,
        case when ga4_firsts.user_pseudo_id is not null and ga4_firsts.ga_session_id is not null
            then {{ publics.surrogate_key(["'ga4'", 'ga4_firsts.user_pseudo_id', 'ga4_firsts.ga_session_id']) }}
        end as session_key,
        ga4_firsts.purchased_at,
        ga4_firsts.revenue,
        ga4_firsts.currency,
        ga4_firsts.user_pseudo_id as visitor_id,
        coalesce(ga4_firsts.user_id, session_users.user_id) as user_id,
        ga4_firsts.purchase_events
    from ga4_firsts
    left join session_users
        on session_users.user_pseudo_id = ga4_firsts.user_pseudo_id
        and session_users.ga_session_id = ga4_firsts.ga_session_id
        and session_users.user_rank = 1
),

matomo_orders as (
    select
        order_id,
        {{ publics.surrogate_key(["'matomo'", 'site_id', 'visit_id']) }} as session_key,
        ordered_at,
        order_revenue,
        currency,
        visitor_id,
        user_id,
        row_number() over (partition by order_id order by ordered_at, site_id, visit_id) as order_rank,
        count(*) over (partition by order_id) as order_visits
    from visits
    where order_id is not null
),

matomo_transactions as (
    select
        'matomo' as tool,
        order_id as purchase_id,
        order_id as transaction_id,
        session_key,
        ordered_at as purchased_at,
        order_revenue as revenue,
        currency,
        visitor_id,
        user_id,
        order_visits as purchase_events
    from matomo_orders
    where order_rank = 1
),

unioned as (
    select * from ga4_transactions
    union all
    select * from matomo_transactions
),

final as (
    select
        {{ publics.surrogate_key(['tool', 'purchase_id']) }} as transaction_key,
        tool,
        transaction_id,
        session_key,
        purchased_at,
        {{ local_date('purchased_at') }} as purchase_date,
        {{ season_of(local_date('purchased_at')) }} as season,
        revenue,
        currency,
        visitor_id,
        user_id,
        cast(purchase_events as {{ dbt.type_int() }}) as purchase_events
    from unioned
)

select * from final
