{#- Dataset of dashboard 9 « Prospects »: per season, the persons who were prospects during it
    (known to the house by its end, no purchase before its start: dim_prospects), by origin and
    segments, with additive counts from which every KPI is a ratio of sums (kpis.yml, section
    prospects): new prospects, conversions (first paid purchase in the season) and their delays,
    prospects left at the season's end, and — for the current season only, as of the reference
    date — those whose 3 years from the last contact end within `prospect_retention_warning_months`
    and, among them, those an exported list may hold (dim_marketing_contacts). In the first season
    of the data a first purchase cannot be told from a purchase of earlier seasons: conversions are
    null there (« non mesuré »), never 0. No person key. -#}
with prospects as (
    select * from {{ ref('dim_prospects') }}
),

contactable as (
    select person_key from {{ ref('dim_marketing_contacts') }}
),

seasons as (
    select
        season,
        cast({{ publics.season_start_date('season') }} as date) as season_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, publics.season_start_date('season'))) }} as date)
            as season_end_date
    from {{ ref('fct_person_seasons') }}
    group by season
),

data_start as (
    select min(season) as first_season from seasons
),

current_season as (
    select season from {{ ref('dim_current_season') }}
),

person_seasons as (
    select
        seasons.season,
        seasons.season = data_start.first_season as is_first_season,
        seasons.season = current_season.season as is_current_season,
        prospects.prospect_origin,
        prospects.prospect_origin_label,
        prospects.buyer_type,
        prospects.age_band_label,
        prospects.geo_zone_label,
        prospects.known_since_date >= seasons.season_start_date as is_new,
        coalesce(prospects.first_purchase_date <= seasons.season_end_date, false) as converted_in_season,
        prospects.conversion_delay_days,
        prospects.is_near_retention_limit,
        contactable.person_key is not null as is_contactable
    from prospects
    inner join seasons
        on coalesce(prospects.known_since_date, seasons.season_start_date) <= seasons.season_end_date
        and (prospects.first_purchase_date is null or prospects.first_purchase_date >= seasons.season_start_date)
    cross join data_start
    cross join current_season
    left join contactable on contactable.person_key = prospects.person_key
),

final as (
    select
        season,
        prospect_origin,
        prospect_origin_label,
        buyer_type,
        age_band_label,
        geo_zone_label,
        count(*) as prospects,
        sum(case when is_new then 1 else 0 end) as new_prospects,
        case when not is_first_season then sum(case when converted_in_season then 1 else 0 end) end
            as converted_prospects,
        case when not is_first_season then sum(case when converted_in_season then conversion_delay_days else 0 end) end
            as conversion_delay_days,
        sum(case when converted_in_season then 0 else 1 end) as prospects_at_season_end,
        case when is_current_season then sum(case when is_near_retention_limit then 1 else 0 end) end
            as near_retention_limit,
        case when is_current_season
            then sum(case when is_near_retention_limit and is_contactable then 1 else 0 end) end
            as near_retention_limit_contactable
    from person_seasons
    group by season, is_first_season, is_current_season, prospect_origin, prospect_origin_label, buyer_type,
        age_band_label, geo_zone_label
)

select * from final
