{#- The budget lines not named exactly like a campaign, for dashboards 2 and 18 (a warning:
    expectations/quality/budget_campaign_matches.yml): the near-misses matched, with the pair and
    the distance, and the lines left unmatched (ambiguous, no campaign). The rule is
    int_marketing__budget_campaign_matches'. -#}
with matches as (
    select * from {{ ref('int_marketing__budget_campaign_matches') }}
),

final as (
    select
        budget_key,
        season,
        platform,
        {{ publics.ad_platform_label('platform') }} as platform_label,
        budget_label,
        budget_eur,
        match_type,
        match_type_label,
        matched_utm_campaign,
        edit_distance,
        candidate_campaigns,
        match_description
    from matches
    where match_type <> 'exact'
)

select * from final
