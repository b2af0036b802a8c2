{#- The features the scores learn from (issue 18), one row per individual × season they
    attended or subscribed, computed **as of the end of that season** (`features_as_of`: the
    season's last day, or the as-of date for the season running): only orders and tickets of
    that season or earlier, placed by that date, and e-mail clicks, web sessions and invitations
    up to it. A subscription bought in May for the next season is the next season's outcome,
    never a feature. `last_event_date` is the latest date any feature read (a data test holds it
    to `features_as_of`). Labels from the next season: renewed (subscribers), became subscriber
    (the others), null while the next season has not started. Persons objecting to profiling are
    left out (`gdpr_not_objecting`). Read by `publics score` (publics/scores.py). -#}
with person_seasons as (
    select * from {{ ref('fct_person_seasons') }}
),

as_of as (
    select as_of_date from {{ ref('int_persons__as_of') }}
),

persons as (
    select person_key, buyer_type, age_band, geo_zone from {{ ref('dim_persons') }}
),

orders as (
    select buyer_person_key as person_key, season, order_date, is_paid_order, is_subscription, is_online,
        tickets_sold, revenue_eur
    from {{ ref('fct_orders') }}
    where not is_cancelled and buyer_person_key is not null
),

tickets as (
    select buyer_person_key as person_key, season, order_date, performance_id, genre, tariff_category, price_eur
    from {{ ref('fct_tickets') }} where not is_cancelled and buyer_person_key is not null
    union all
    select holder_person_key, season, order_date, performance_id, genre, tariff_category, price_eur
    from {{ ref('fct_tickets') }}
    where not is_cancelled and holder_person_key is not null and holder_person_key <> coalesce(buyer_person_key, '')
),

population as (
    select
        person_seasons.person_key,
        person_seasons.season,
        person_seasons.evaluated_on as features_as_of,
        person_seasons.is_subscriber,
        person_seasons.performances_in_season,
        persons.age_band,
        persons.geo_zone
    from person_seasons
    inner join persons on persons.person_key = person_seasons.person_key
    where persons.buyer_type = 'individuel'
        and (person_seasons.attended_in_season or person_seasons.is_subscriber)
        and {{ gdpr_not_objecting('profiling', 'person_seasons.person_key') }}
),

history as (
    select
        population.person_key,
        population.season,
        sum(case when earlier.is_subscriber then 1 else 0 end) as subscribed_seasons,
        max(case when earlier.season = {{ publics.previous_season('population.season') }} and earlier.is_subscriber
                 then 1 else 0 end) = 1 as was_subscriber_previous_season,
        sum(case when earlier.attended_in_season then 1 else 0 end) as seasons_attended,
        max(case when earlier.season = {{ publics.previous_season('population.season') }}
                 then earlier.performances_in_season else 0 end) as performances_previous_season
    from population
    inner join person_seasons as earlier
        on earlier.person_key = population.person_key and earlier.season <= population.season
    group by population.person_key, population.season
),

order_features as (
    select
        population.person_key,
        population.season,
        sum(case when orders.season = population.season and orders.is_paid_order then 1 else 0 end) as paid_orders_in_season,
        sum(case when orders.season = population.season and orders.is_subscription then orders.tickets_sold else 0 end)
            as subscription_tickets,
        sum(case when orders.season = population.season and not orders.is_subscription then orders.tickets_sold else 0 end)
            as single_tickets_in_season,
        sum(case when orders.season = population.season and orders.is_online then 1 else 0 end) as online_orders_in_season,
        {{ money('sum(case when orders.season = population.season then orders.revenue_eur else 0 end)') }} as revenue_in_season_eur,
        {{ money('sum(orders.revenue_eur)') }} as revenue_to_date_eur,
        min(case when orders.is_paid_order then orders.order_date end) as first_purchase_date,
        max(case when orders.is_paid_order then orders.order_date end) as last_purchase_date,
        max(orders.order_date) as last_order_date
    from population
    inner join orders
        on orders.person_key = population.person_key
        and orders.season <= population.season
        and orders.order_date <= population.features_as_of
    group by population.person_key, population.season
),

ticket_features as (
    select
        population.person_key,
        population.season,
        count(distinct case when tickets.season = population.season then tickets.genre end) as genres_in_season,
        count(distinct tickets.genre) as genres_to_date,
        avg(case when tickets.season = population.season and tickets.price_eur > 0 then tickets.price_eur end)
            as mean_price_in_season_eur,
        avg(case when tickets.season = population.season
                 then case when tickets.tariff_category in ('reduit', 'jeune') then 1.0 else 0.0 end end)
            as reduced_tariff_share,
        max(tickets.order_date) as last_ticket_date
    from population
    inner join tickets
        on tickets.person_key = population.person_key
        and tickets.season <= population.season
        and tickets.order_date <= population.features_as_of
    group by population.person_key, population.season
),

invitations as (
    select
        population.person_key,
        population.season,
        count(*) as invitations_received,
        max(invitations.performance_date) as last_invitation_date
    from population
    inner join {{ ref('fct_invitations') }} as invitations
        on invitations.person_key = population.person_key
        and invitations.season <= population.season
        and invitations.performance_date <= population.features_as_of
    group by population.person_key, population.season
),

email_clicks as (
    select
        population.person_key,
        population.season,
        count(*) as email_clicks_12m,
        max(activity.activity_date) as last_click_date
    from population
    inner join {{ ref('fct_email_activity') }} as activity
        on activity.person_key = population.person_key
        and activity.action = 'click'  -- opens say nothing since Apple's Mail Privacy Protection
        and activity.activity_date <= population.features_as_of
        and activity.activity_date > {{ dbt.dateadd('day', -365, 'population.features_as_of') }}
    group by population.person_key, population.season
),

web_sessions as (
    select
        population.person_key,
        population.season,
        count(*) as web_sessions_12m,
        max(sessions.session_date) as last_session_date
    from population
    inner join {{ ref('fct_web_sessions') }} as sessions
        on sessions.person_key = population.person_key
        and sessions.session_date <= population.features_as_of
        and sessions.session_date > {{ dbt.dateadd('day', -365, 'population.features_as_of') }}
    group by population.person_key, population.season
),

next_season as (
    select person_key, season, is_subscriber from person_seasons
),

final as (
    select
        {{ publics.surrogate_key(['population.person_key', 'population.season']) }} as person_season_key,
        population.person_key,
        population.season,
        population.features_as_of,
        population.is_subscriber,
        coalesce(history.was_subscriber_previous_season, false) as was_subscriber_previous_season,
        coalesce(history.subscribed_seasons, 0) as subscribed_seasons,
        coalesce(history.seasons_attended, 0) as seasons_attended,
        population.performances_in_season,
        coalesce(history.performances_previous_season, 0) as performances_previous_season,
        coalesce(order_features.paid_orders_in_season, 0) as paid_orders_in_season,
        coalesce(order_features.subscription_tickets, 0) as subscription_tickets,
        coalesce(order_features.single_tickets_in_season, 0) as single_tickets_in_season,
        coalesce(order_features.online_orders_in_season, 0) as online_orders_in_season,
        coalesce(order_features.revenue_in_season_eur, 0) as revenue_in_season_eur,
        coalesce(order_features.revenue_to_date_eur, 0) as revenue_to_date_eur,
        {{ money('ticket_features.mean_price_in_season_eur') }} as mean_price_in_season_eur,
        coalesce(ticket_features.genres_in_season, 0) as genres_in_season,
        coalesce(ticket_features.genres_to_date, 0) as genres_to_date,
        cast(ticket_features.reduced_tariff_share as numeric(6, 4)) as reduced_tariff_share,
        coalesce(invitations.invitations_received, 0) as invitations_received,
        coalesce(email_clicks.email_clicks_12m, 0) as email_clicks_12m,
        coalesce(web_sessions.web_sessions_12m, 0) as web_sessions_12m,
        {{ dbt.datediff('order_features.last_purchase_date', 'population.features_as_of', 'day') }} as days_since_last_purchase,  -- noqa: LT05
        {{ dbt.datediff('order_features.first_purchase_date', 'population.features_as_of', 'day') }} as days_since_first_purchase,  -- noqa: LT05
        population.age_band,
        population.geo_zone,
        greatest(order_features.last_order_date, ticket_features.last_ticket_date, invitations.last_invitation_date,
                 email_clicks.last_click_date, web_sessions.last_session_date) as last_event_date,
        {{ publics.season_start_date(publics.next_season('population.season')) }}
            <= as_of.as_of_date as is_outcome_known,
        case when {{ publics.season_start_date(publics.next_season('population.season')) }}
                  <= as_of.as_of_date
             then coalesce(next_season.is_subscriber, false) end as is_subscriber_next_season
    from population
    cross join as_of
    left join history on history.person_key = population.person_key and history.season = population.season
    left join order_features on order_features.person_key = population.person_key and order_features.season = population.season
    left join ticket_features on ticket_features.person_key = population.person_key and ticket_features.season = population.season
    left join invitations on invitations.person_key = population.person_key and invitations.season = population.season
    left join email_clicks on email_clicks.person_key = population.person_key and email_clicks.season = population.season
    left join web_sessions on web_sessions.person_key = population.person_key and web_sessions.season = population.season
    left join next_season
        on next_season.person_key = population.person_key
        and next_season.season = {{ publics.next_season('population.season') }}
)

select
    person_season_key, person_key, season, features_as_of, is_subscriber, was_subscriber_previous_season,
    subscribed_seasons, seasons_attended, performances_in_season, performances_previous_season,
    paid_orders_in_season, subscription_tickets, single_tickets_in_season, online_orders_in_season,
    revenue_in_season_eur, revenue_to_date_eur, mean_price_in_season_eur, genres_in_season, genres_to_date,
    reduced_tariff_share, invitations_received, email_clicks_12m, web_sessions_12m, days_since_last_purchase,
    days_since_first_purchase, age_band, geo_zone, last_event_date, is_outcome_known,
    case when is_subscriber then is_subscriber_next_season end as renewed_next_season,
    case when not is_subscriber then is_subscriber_next_season end as became_subscriber_next_season
from final
