-- publics.campaign_part / campaign_is_conforming on conforming and broken names (as typed by
-- the teams: spaces, dashes instead of underscores, a missing part, an impossible season).
with cases (name, conforming, season, objective, show, audience) as (
    values
        ('2025-26_conquete_carmen_jeunes', true, '2025-26', 'conquete', 'carmen', 'jeunes'),
        ('2024-25_relance_contes-hoffmann_occasionnels', true, '2024-25', 'relance', 'contes-hoffmann', 'occasionnels'),
        ('2099-00_notoriete_saison_tous', true, '2099-00', 'notoriete', 'saison', 'tous'),
        ('2025-27_conquete_carmen_jeunes', false, null, null, null, null),
        ('2025-26-conquete-carmen-jeunes', false, null, null, null, null),
        ('Carmen - Conquete 2025', false, null, null, null, null),
        ('conquete_carmen_jeunes', false, null, null, null, null),
        ('2025-26_conquete_carmen_jeunes_extra', false, null, null, null, null),
        ('2025-26_conquete__jeunes', false, null, null, null, null),
        (null, false, null, null, null, null)
),
parsed as (
    select
        cases.*,
        {{ publics.campaign_is_conforming('cases.name') }} as got_conforming,
        {{ publics.campaign_part('cases.name', 'season') }} as got_season,
        {{ publics.campaign_part('cases.name', 'objective') }} as got_objective,
        {{ publics.campaign_part('cases.name', 'show') }} as got_show,
        {{ publics.campaign_part('cases.name', 'audience') }} as got_audience
    from cases
)
select * from parsed
where got_conforming is distinct from conforming
    or got_season is distinct from season
    or got_objective is distinct from objective
    or got_show is distinct from show
    or got_audience is distinct from audience
