-- The dbt_utils-like macros of macros/utils.sql: surrogate_key, url_parameter, date_spine.
-- Each check returns a row naming itself when it fails.
with keys as (
    select
        {{ publics.surrogate_key(["cast(null as text)", "'a'"]) }} as null_a,
        {{ publics.surrogate_key(["''", "'a'"]) }} as empty_a,
        {{ publics.surrogate_key(["'a'", "'b'"]) }} as a_b,
        {{ publics.surrogate_key(["'a'", "'b'"]) }} as a_b_again,
        {{ publics.surrogate_key(["'a-b'", "''"]) }} as ab_empty,
        {{ publics.surrogate_key(["42", "'x'"]) }} as number_x
),
urls (url, name, expected) as (
    values
        ('https://opera.example/carmen?utm_source=fb&utm_medium=paid_social#top', 'utm_source', 'fb'),
        ('https://opera.example/carmen?utm_source=fb&utm_medium=paid_social#top', 'utm_medium', 'paid_social'),
        ('https://opera.example/?x=1&utm_campaign=2025-26_conquete_carmen_jeunes', 'utm_campaign', '2025-26_conquete_carmen_jeunes'),
        ('https://opera.example/?utm_content=bouton+rouge', 'utm_content', 'bouton rouge'),
        ('https://opera.example/?xutm_source=no', 'utm_source', null),
        ('https://opera.example/?utm_source=', 'utm_source', null),
        ('https://opera.example/carmen', 'utm_source', null)
),
parsed as (
    select url, name, expected,
        case name
            when 'utm_source' then {{ publics.url_parameter('url', 'utm_source') }}
            when 'utm_medium' then {{ publics.url_parameter('url', 'utm_medium') }}
            when 'utm_campaign' then {{ publics.url_parameter('url', 'utm_campaign') }}
            when 'utm_content' then {{ publics.url_parameter('url', 'utm_content') }}
        end as got
    from urls
),
spine as ({{ publics.date_spine("'2024-02-27'", "'2024-03-01'") }})
select 'surrogate_key: null and empty string collide' as failure from keys where null_a = empty_a
union all select 'surrogate_key: not stable' from keys where a_b <> a_b_again
union all select 'surrogate_key: column boundary lost' from keys where a_b = ab_empty
union all select 'surrogate_key: null key' from keys where number_x is null or null_a is null
union all select 'url_parameter: ' || url || ' ' || name from parsed where got is distinct from expected
union all select 'date_spine: leap-year February 2024 is not 4 days' from (select count(*) as n from spine) c where n <> 4
union all select 'date_spine: wrong bounds'
    from (select min(date_day) as lo, max(date_day) as hi from spine) b
    where lo <> cast('2024-02-27' as date) or hi <> cast('2024-03-01' as date)
