{#- Each line of the budget workbook and the campaign it pays for. A line whose name (lower case)
    is a campaign of the ad platforms or of the UTM plan is that campaign (exact). Otherwise the
    candidates are the campaigns of the same season (the line's Saison; a campaign's season is the
    one its name gives, else those it spent in) and platform (UTM-plan campaigns have none: any),
    that no budget line of that platform names already, within `budget_match_max_distance` edits
    of it (Levenshtein on the name without its season prefix): one nearest candidate is the match
    (approchant), several at the same distance are none (ambigu, all named), none at all is
    introuvable. Never a silent split: every line not exact is reported (quality_budget_campaign_matches). -#}
{%- set season_prefix = '^[0-9]{4}-[0-9]{2}[_-]' -%}
with budgets as (
    select * from {{ ref('stg_spreadsheets__campaign_budgets') }}
),

spend as (
    select * from {{ ref('int_marketing__ad_spend_daily') }}
),

utm_plan as (
    select * from {{ ref('stg_spreadsheets__utm_plan') }}
),

-- every campaign a budget line can pay for: on a platform (with its seasons) or planned
campaigns as (
    select distinct
        utm_campaign,
        platform,
        coalesce({{ campaign_part('utm_campaign', 'season') }}, season) as season
    from spend
    where utm_campaign is not null
    union
    select distinct
        utm_campaign,
        cast(null as {{ dbt.type_string() }}) as platform,
        {{ campaign_part('utm_campaign', 'season') }} as season
    from utm_plan
    where utm_campaign is not null
),

exact as (
    select
        budgets.budget_key,
        max(case when campaigns.utm_campaign is not null then 1 else 0 end) as is_exact
    from budgets
    left join campaigns on campaigns.utm_campaign = budgets.utm_campaign
    group by budgets.budget_key
),

-- a campaign a budget line of the platform already names exactly is no near-miss of another
budgeted as (
    select distinct utm_campaign, platform from budgets
),

distances as (
    select
        budgets.budget_key,
        campaigns.utm_campaign as candidate,
        min({{ publics.edit_distance(
            publics.regex_replace_all('budgets.utm_campaign', season_prefix, ''),
            publics.regex_replace_all('campaigns.utm_campaign', season_prefix, '')) }}) as distance
    from budgets
    inner join exact on exact.budget_key = budgets.budget_key and exact.is_exact = 0
    inner join campaigns
        on
            campaigns.season = budgets.season
            and (campaigns.platform = budgets.platform or campaigns.platform is null)
    left join budgeted
        on budgeted.utm_campaign = campaigns.utm_campaign and budgeted.platform = budgets.platform
    where budgeted.utm_campaign is null
    group by budgets.budget_key, campaigns.utm_campaign
),

nearest as (
    select
        budget_key,
        min(distance) as distance
    from distances
    where distance <= {{ var('budget_match_max_distance', 2) }}
    group by budget_key
),

best as (
    select
        nearest.budget_key,
        nearest.distance,
        count(*) as candidates,
        min(distances.candidate) as candidate,
        {{ dbt.listagg('distances.candidate', "', '", 'order by distances.candidate') }} as candidate_campaigns
    from nearest
    inner join distances
        on distances.budget_key = nearest.budget_key and distances.distance = nearest.distance
    group by nearest.budget_key, nearest.distance
),

matched as (
    select
        budgets.budget_key,
        budgets.season,
        budgets.platform,
        budgets.channel,
        budgets.campaign_name as budget_label,
        budgets.utm_campaign as budget_utm_campaign,
        budgets.budget_eur,
        case
            when exact.is_exact = 1 then 'exact'
            when best.candidates = 1 then 'approchant'
            when best.candidates > 1 then 'ambigu'
            else 'introuvable'
        end as match_type,
        best.distance as edit_distance,
        best.candidate_campaigns,
        case
            when exact.is_exact = 1 then budgets.utm_campaign
            when best.candidates = 1 then best.candidate
        end as matched_utm_campaign
    from budgets
    inner join exact on exact.budget_key = budgets.budget_key
    left join best on best.budget_key = budgets.budget_key
),

final as (
    select
        budget_key,
        season,
        platform,
        channel,
        budget_label,
        budget_utm_campaign,
        budget_eur,
        match_type,
        case match_type
            when 'exact' then 'Identique'
            when 'approchant' then 'Rapprochée (nom approchant)'
            when 'ambigu' then 'Non rapprochée (plusieurs campagnes approchantes)'
            else 'Non rapprochée (aucune campagne de ce nom)'
        end as match_type_label,
        matched_utm_campaign,
        edit_distance,
        candidate_campaigns,
        case match_type
            when 'approchant' then
                'Ligne de budget « ' || budget_label || ' » (' || season || ') rapprochée de la campagne « '
                || matched_utm_campaign || ' » (' || cast(edit_distance as {{ dbt.type_string() }})
                || ' caractère(s) d''écart) : corriger le nom dans le classeur des budgets'
            when 'ambigu' then
                'Ligne de budget « ' || budget_label || ' » (' || season || ') non rapprochée : plusieurs campagnes à '
                || cast(edit_distance as {{ dbt.type_string() }}) || ' caractère(s) d''écart (' || candidate_campaigns || ')'
            when 'introuvable' then
                'Ligne de budget « ' || budget_label || ' » (' || season || ') : aucune campagne de ce nom sur les régies ni dans le plan UTM'
        end as match_description
    from matched
)

select * from final
