{#- The comparable shows of each show, whose sales curves predict its own: those the institution
    lists in the seed box_office_comparables when it lists any for the show; else the shows of
    the same hall and genre; else (a genre new to the hall) the shows of the same hall. A
    comparable is always a show of an earlier season: its curves are complete and known before
    the season forecast, which is also how the forecast is evaluated (held out by season). -#}
with performances as (
    select * from {{ ref('stg_secutix__performances') }}
    where not is_cancelled
),

chosen as (
    select * from {{ ref('box_office_comparables') }}
),

rules as (
    select * from {{ ref('box_office_comparable_rules') }}
),

shows as (
    select
        show_code,
        min(season) as season,
        min(venue_code) as venue_code,
        min(genre) as genre
    from performances
    group by show_code
),

candidates as (
    select
        shows.show_code,
        earlier.show_code as comparable_show_code,
        case
            when chosen.show_code is not null then 'seed'
            when earlier.genre = shows.genre and earlier.venue_code = shows.venue_code then 'same_hall_genre'
            when earlier.venue_code = shows.venue_code then 'same_hall'
        end as comparable_rule
    from shows
    inner join shows as earlier on earlier.season < shows.season
    left join chosen
        on shows.show_code = chosen.show_code
        and earlier.show_code = chosen.comparable_show_code
    where not exists (select 1 from chosen as listed where listed.show_code = shows.show_code)
        or chosen.show_code is not null
),

ranked as (
    select
        candidates.show_code,
        candidates.comparable_show_code,
        candidates.comparable_rule,
        rules.priority,
        -- the most specific rule the show has comparables under (seed box_office_comparable_rules)
        min(rules.priority) over (partition by candidates.show_code) as best_priority
    from candidates
    inner join rules on candidates.comparable_rule = rules.comparable_rule
),

final as (
    select
        show_code,
        comparable_show_code,
        comparable_rule
    from ranked
    where priority = best_priority
)

select
    show_code,
    comparable_show_code,
    comparable_rule
from final
