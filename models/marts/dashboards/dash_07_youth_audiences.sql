{#- Dataset of dashboard 7 « Conquête jeune public »: does the youth campaign work? Two kinds of
    rows (`row_kind`), every column additive within its kind, no individual row:
    - 'campagne': per season, campaign (utm_campaign, every platform summed) and attribution
      model, the media spend (and its days inside the web measurement window) and the new
      buyers attributed to the campaign, young (under 28 on the day of their first purchase) or
      not. `is_youth_campaign`: the audience part of the campaign's name is `jeunes`. Rows of
      different models describe the same buyers: a card filters one model or groups by it.
      Outside the web window the attributed buyers are null (« non mesuré »), never 0.
    - 'public': per season and age group (under 28 / 28 and over / unknown, on the day of the
      purchase or of the first performance of the season), the season's buyers and attendees,
      its new buyers (first paid purchase: null in the first season of the data, whose buyers
      may have bought before it) and, among those whose 12 months are over, how many came back
      with another paid order (int_persons__purchases). -#}
with web_window as (
    select measured_from, measured_to
    from {{ ref('int_quality__measurement_windows') }}
    where is_attribution_web_tool
),

purchases as (
    select * from {{ ref('int_persons__purchases') }}
),

attendee_ages as (
    select * from {{ ref('int_persons__attendee_ages') }}
),

spend as (
    select
        daily.utm_campaign,
        max(daily.campaign_name) as campaign_name,
        min(daily.season) as first_spend_season,
        min(daily.activity_date) as first_spend_date,
        max(daily.activity_date) as last_spend_date,
        sum(daily.spend_eur) as spend_eur,
        sum(case when {{ is_in_window('daily.activity_date', 'web_window.measured_from', 'web_window.measured_to') }}
                 then daily.spend_eur else 0 end) as spend_measured_eur
    from {{ ref('int_marketing__ad_spend_daily') }} as daily
    left join web_window on true
    group by daily.utm_campaign
),

credits as (
    select
        credits.campaign as utm_campaign,
        credits.attribution_model,
        min(credits.season) as first_credit_season,
        sum(case when purchases.is_first_purchase and purchases.is_young_at_purchase
                 then credits.credit else 0 end) as young_new_buyers,
        sum(case when purchases.is_first_purchase and not coalesce(purchases.is_young_at_purchase, false)
                 then credits.credit else 0 end) as other_new_buyers
    from {{ ref('fct_attribution_credits') }} as credits
    left join purchases on purchases.order_id = credits.order_id
    where credits.campaign is not null
    group by credits.campaign, credits.attribution_model
),

attribution_models as (
    select distinct attribution_model from {{ ref('fct_attribution_credits') }}
),

campaign_keys as (
    select utm_campaign from spend
    union
    select utm_campaign from credits
),

campaigns as (
    select
        coalesce({{ campaign_part('campaign_keys.utm_campaign', 'season') }}, spend.first_spend_season,
                 (select min(season_credits.first_credit_season) from credits as season_credits
                  where season_credits.utm_campaign = campaign_keys.utm_campaign))
            as season,
        campaign_keys.utm_campaign,
        coalesce(spend.campaign_name, campaign_keys.utm_campaign) as campaign_name,
        {{ campaign_part('campaign_keys.utm_campaign', 'audience') }} as campaign_audience,
        coalesce({{ campaign_part('campaign_keys.utm_campaign', 'audience') }} = 'jeunes', false) as is_youth_campaign,
        attribution_models.attribution_model,
        coalesce(spend.spend_eur, 0) as spend_eur,
        coalesce(spend.spend_measured_eur, 0) as spend_measured_eur,
        spend.first_spend_date,
        spend.last_spend_date,
        credits.young_new_buyers,
        credits.other_new_buyers
    from campaign_keys
    cross join attribution_models
    left join spend on spend.utm_campaign = campaign_keys.utm_campaign
    left join credits
        on credits.utm_campaign = campaign_keys.utm_campaign
        and credits.attribution_model = attribution_models.attribution_model
),

campaign_rows as (
    select
        campaigns.*,
        {{ publics.campaign_measurement_status('campaigns') }} as measurement_status,
        {{ measurement_window_label('mesure web', 'web_window.measured_from', 'web_window.measured_to') }}
            as measurement_window_label
    from campaigns
    left join web_window on true
),

-- the public rows: one age group per person and season for what they bought, and one for
-- what they came to (a buyer who turned 28 between the two is counted in each as they were)
season_buyers as (
    select season, is_young_at_purchase as is_young, count(*) as buyers
    from purchases
    where is_first_purchase_of_season
    group by season, is_young_at_purchase
),

season_attendees as (
    select season, is_young_at_first_performance as is_young, count(*) as attendees
    from attendee_ages
    group by season, is_young_at_first_performance
),

new_buyers as (
    select
        season,
        is_young_at_purchase as is_young,
        -- null in the first season of the data (sum over nulls only is null): « non mesuré »
        sum(case when is_history_known then 1 end) as new_buyers,
        sum(case when is_history_known then (case when is_return_judgeable then 1 else 0 end) end)
            as new_buyers_judgeable,
        sum(case when is_history_known then (case when returned_within_12_months then 1 else 0 end) end)
            as new_buyers_returned_12m
    from purchases
    where is_first_purchase
    group by season, is_young_at_purchase
),

public_keys as (
    select season, is_young from season_buyers
    union
    select season, is_young from season_attendees
    union
    select season, is_young from new_buyers
),

public_rows as (
    select
        public_keys.season,
        case when public_keys.is_young then 'jeune' when not public_keys.is_young then 'autre' else 'inconnu' end
            as age_group,
        coalesce(season_buyers.buyers, 0) as buyers,
        coalesce(season_attendees.attendees, 0) as attendees,
        new_buyers.new_buyers,
        new_buyers.new_buyers_judgeable,
        new_buyers.new_buyers_returned_12m
    from public_keys
    left join season_buyers
        on season_buyers.season = public_keys.season
        and season_buyers.is_young is not distinct from public_keys.is_young
    left join season_attendees
        on season_attendees.season = public_keys.season
        and season_attendees.is_young is not distinct from public_keys.is_young
    left join new_buyers
        on new_buyers.season = public_keys.season
        and new_buyers.is_young is not distinct from public_keys.is_young
),

final as (
    select
        'campagne' as row_kind,
        season,
        cast(null as {{ dbt.type_string() }}) as age_group,
        cast(null as {{ dbt.type_string() }}) as age_group_label,
        utm_campaign,
        campaign_name,
        campaign_audience,
        is_youth_campaign,
        attribution_model,
        {{ publics.attribution_model_label('attribution_model') }} as attribution_model_label,
        cast(spend_eur as numeric(14, 2)) as spend_eur,
        cast(spend_measured_eur as numeric(14, 2)) as spend_measured_eur,
        cast(case when measurement_status <> 'non mesuré' then coalesce(young_new_buyers, 0) end
            as numeric(14, 4)) as young_new_buyers_attributed,
        cast(case when measurement_status <> 'non mesuré' then coalesce(other_new_buyers, 0) end
            as numeric(14, 4)) as other_new_buyers_attributed,
        cast(null as integer) as buyers,
        cast(null as integer) as attendees,
        cast(null as integer) as new_buyers,
        cast(null as integer) as new_buyers_judgeable,
        cast(null as integer) as new_buyers_returned_12m,
        measurement_status,
        measurement_window_label
    from campaign_rows

    union all

    select
        'public' as row_kind,
        season,
        age_group,
        case age_group when 'jeune' then 'Moins de 28 ans' when 'autre' then '28 ans et plus' else 'Âge inconnu' end
            as age_group_label,
        cast(null as {{ dbt.type_string() }}) as utm_campaign,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as campaign_audience,
        cast(null as boolean) as is_youth_campaign,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ dbt.type_string() }}) as attribution_model_label,
        cast(null as numeric(14, 2)) as spend_eur,
        cast(null as numeric(14, 2)) as spend_measured_eur,
        cast(null as numeric(14, 4)) as young_new_buyers_attributed,
        cast(null as numeric(14, 4)) as other_new_buyers_attributed,
        cast(buyers as integer) as buyers,
        cast(attendees as integer) as attendees,
        cast(new_buyers as integer) as new_buyers,
        cast(new_buyers_judgeable as integer) as new_buyers_judgeable,
        cast(new_buyers_returned_12m as integer) as new_buyers_returned_12m,
        cast(null as {{ dbt.type_string() }}) as measurement_status,
        cast(null as {{ dbt.type_string() }}) as measurement_window_label
    from public_rows
)

select
    row_kind, season, age_group, age_group_label, utm_campaign, campaign_name, campaign_audience,
    is_youth_campaign, attribution_model, attribution_model_label, spend_eur, spend_measured_eur,
    young_new_buyers_attributed, other_new_buyers_attributed, buyers, attendees, new_buyers,
    new_buyers_judgeable, new_buyers_returned_12m, measurement_status, measurement_window_label
from final
