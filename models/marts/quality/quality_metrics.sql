{#- The platform's quality figures, one row, one column per metric (shares between 0 and 1):
    what the Great Expectations suite `quality_metrics` holds to its thresholds
    (expectations/quality/quality_metrics.yml) and what dashboard 18 shows. Each metric is
    computed here only. A metric with nothing to measure (no e-mail activity delivered yet…)
    is null, not zero. -#}
with persons as (
    select * from {{ ref('dim_persons') }} where buyer_type <> 'groupe_relais'
),

identities as (
    select * from {{ ref('int_identity__contacts') }}
),

orders as (
    select * from {{ ref('fct_orders') }} where is_paid_order and not is_cancelled
),

tickets as (
    select * from {{ ref('fct_tickets') }} where not is_cancelled
),

contact_emails as (
    select distinct email_key from {{ ref('stg_secutix__contacts') }} where email_key is not null
),

recipients as (
    select distinct email_key from {{ ref('stg_emailing__mailchimp_email_activity') }}
),

ad_campaigns as (
    select distinct utm_campaign from {{ ref('int_marketing__ad_spend_daily') }} where spend_eur > 0
),

budget_campaigns as (
    select distinct utm_campaign from {{ ref('stg_spreadsheets__campaign_budgets') }}
),

plan as (
    select * from {{ ref('stg_spreadsheets__utm_plan') }}
),

raw_contacts as (
    select * from {{ source('secutix', 'contacts') }}
),

invitations as (
    select * from {{ ref('stg_spreadsheets__invitations') }}
),

-- UTM parameters as the links were tagged (GA4 collected_traffic_source, before cleaning:
-- stg_ga4__events, the kept delivery of each day): conforming when source and medium are
-- written exactly as a value of the controlled list
tagged_links as (
    select
        tagged_source as utm_source,
        tagged_medium as utm_medium
    from {{ ref('stg_ga4__events') }}
    where tagged_source is not null
),

attribution_totals as (
    select attribution_model, sum(credited_revenue_eur) as credited_revenue_eur
    from {{ ref('fct_attribution_credits') }}
    group by attribution_model
),

controlled as (
    select parameter, value from {{ ref('utm_controlled_values') }}
),

web_matches as (
    select * from {{ ref('int_attribution__order_matches') }}
),

-- online orders placed while Matomo was recording (consent-exempt: it should see every one)
orders_in_web_window as (
    select orders.order_id
    from {{ ref('fct_orders') }} as orders
    where orders.is_online and orders.is_paid_order
        and orders.ordered_at >= (
            select min(sessions.started_at) from {{ ref('int_web__sessions') }} as sessions where sessions.tool = 'matomo'
        )
),

share as (
    select
        (select avg(case when has_email then 1.0 else 0.0 end) from persons) as persons_with_email_share,
        (select avg(case when geo_zone <> 'inconnue' then 1.0 else 0.0 end) from persons) as persons_with_postcode_share,
        (select avg(case when birth_year is not null then 1.0 else 0.0 end) from persons) as persons_with_birth_year_share,
        (select avg(case when buyer_person_key is not null then 1.0 else 0.0 end) from orders
            where sales_channel not in ('reseller', 'resale')
                and orders.order_id not in (
                    select erased.order_id from {{ ref('stg_secutix__orders') }} as erased where erased.is_buyer_erased
                ))
            as orders_with_buyer_share,
        (select avg(case when has_known_holder then 1.0 else 0.0 end) from tickets) as tickets_with_known_holder_share,
        (select avg(case when is_duplicate then 1.0 else 0.0 end) from identities) as duplicate_contact_rate,
        (select avg(case when contact_emails.email_key is not null then 1.0 else 0.0 end)
            from recipients left join contact_emails on contact_emails.email_key = recipients.email_key)
            as email_recipients_matched_share,
        (select avg(case when ad_campaigns.utm_campaign in (select plan.utm_campaign from plan) then 1.0 else 0.0 end)
            from ad_campaigns) as ad_campaigns_in_utm_plan_share,
        (select avg(case when budget_campaigns.utm_campaign in (select plan.utm_campaign from plan) then 1.0 else 0.0 end)
            from budget_campaigns) as budget_campaigns_in_utm_plan_share,
        (select avg(case when is_conforming_name then 1.0 else 0.0 end) from plan) as utm_plan_conforming_share,
        (select avg(case when email_key is not null then 1.0 else 0.0 end) from invitations) as invitations_with_email_share,
        (select avg(case when contact_emails.email_key is not null then 1.0 else 0.0 end)
            from (select distinct email_key from invitations where email_key is not null) as invited
            left join contact_emails on contact_emails.email_key = invited.email_key) as invitations_matched_share,
        (select count(*) from {{ source('secutix', 'performances') }} where nullif(trim(season_code), '') is null)
            as raw_performances_without_season,
        -- an uncorrelated IN (one hashed pass over the matches), not EXISTS per order
        (select avg(case when orders_in_web_window.order_id in (
                              select web_matches.order_id from web_matches
                              where web_matches.tool = 'matomo' and web_matches.order_id is not null)
                         then 1.0 else 0.0 end)
            from orders_in_web_window) as online_orders_seen_by_matomo_share,
        (select count(*) from web_matches where tool = 'ga4' and transaction_id is null)
            as web_purchases_without_transaction_id,
        (select avg(case when tagged_links.utm_source in (select controlled.value from controlled where controlled.parameter = 'utm_source')
                          and tagged_links.utm_medium in (select controlled.value from controlled where controlled.parameter = 'utm_medium')
                         then 1.0 else 0.0 end)
            from tagged_links) as utm_tagging_conforming_share,
        (select coalesce(max(abs(attribution_totals.credited_revenue_eur - orders_total.revenue_eur)), 0)
            from attribution_totals
            cross join (select coalesce(sum(revenue_eur), 0) as revenue_eur from orders) as orders_total)
            as attribution_revenue_gap_eur,
        (select count(*) from raw_contacts
            where upper(coalesce(trim(country_code), 'FR')) = 'FR' and {{ publics.regex_matches('trim(zipcode)', '^[0-9]{4}$') }})
            as raw_postcodes_missing_leading_zero,
        (select count(*) from raw_contacts where nullif(trim(comment), '') is not null) as raw_free_text_comments
)

select
    {% for column in ['persons_with_email_share', 'persons_with_postcode_share', 'persons_with_birth_year_share',
                      'orders_with_buyer_share', 'tickets_with_known_holder_share', 'duplicate_contact_rate',
                      'email_recipients_matched_share', 'ad_campaigns_in_utm_plan_share',
                      'budget_campaigns_in_utm_plan_share', 'utm_plan_conforming_share',
                      'invitations_with_email_share', 'invitations_matched_share',
                      'online_orders_seen_by_matomo_share', 'utm_tagging_conforming_share'] %}
    cast({{ column }} as numeric(6, 4)) as {{ column }},
    {% endfor %}
    raw_postcodes_missing_leading_zero,
    raw_free_text_comments,
    raw_performances_without_season,
    web_purchases_without_transaction_id,
    cast(attribution_revenue_gap_eur as numeric(14, 2)) as attribution_revenue_gap_eur,
    {{ dbt.current_timestamp() }} as measured_at
from share
