-- The adapter-dispatched macros of macros/cross_db.sql: JSON access, wall-clock conversions, the
-- type of JSON documents, the materialised-CTE keyword. Each check returns a row naming itself
-- when it fails.
with documents as (
    select cast('{"a": "x", "n": 12.50, "o": {"b": "y"}, "l": [1, 2], "e": ""}' as {{ publics.type_json() }}) as doc
),
json_checks as (
    select
        {{ publics.json_text('doc', 'a') }} as a_text,
        {{ publics.json_text('doc', 'n') }} as n_text,
        {{ publics.json_text('doc', 'e') }} as e_text,
        {{ publics.json_text('doc', 'missing') }} as missing_text,
        {{ publics.json_text(publics.json_get('doc', 'o'), 'b') }} as nested_text,
        {{ publics.json_get('doc', 'missing') }} as missing_json,
        {{ publics.json_is_array(publics.json_get('doc', 'l')) }} as l_is_array,
        {{ publics.json_is_array(publics.json_get('doc', 'o')) }} as o_is_array,
        {{ publics.json_is_array(publics.json_get('doc', 'missing')) }} as missing_is_array
    from documents
),
-- 20:00 in Paris is 19:00 UTC in winter, 18:00 UTC in summer; 23:30 UTC on 31 August is already
-- 1 September in Paris.
clocks (wall_clock, tz, expected_moment) as (
    values
        (cast('2026-01-15 20:00:00' as timestamp), 'Europe/Paris', cast('2026-01-15 19:00:00+00' as timestamp with time zone)),
        (cast('2026-07-15 20:00:00' as timestamp), 'Europe/Paris', cast('2026-07-15 18:00:00+00' as timestamp with time zone)),
        (cast('2026-07-15 20:00:00' as timestamp), 'UTC', cast('2026-07-15 20:00:00+00' as timestamp with time zone))
),
converted as (
    select
        clocks.wall_clock,
        clocks.tz,
        clocks.expected_moment,
        case clocks.tz
            when 'UTC' then {{ publics.from_wall_clock('clocks.wall_clock', 'UTC') }}
            else {{ publics.from_wall_clock('clocks.wall_clock', 'Europe/Paris') }}
        end as got_moment,
        {{ publics.to_wall_clock("cast('2025-08-31 23:30:00+00' as timestamp with time zone)", 'Europe/Paris') }} as paris_wall_clock
    from clocks
),
-- the keyword renders and the query runs with it
once as {{ publics.materialized_cte() }} (
    select 1 as one
)
select 'json_text: string member' as failure from json_checks where a_text is distinct from 'x'
union all select 'json_text: number member as written' from json_checks where n_text is distinct from '12.50'
union all select 'json_text: empty string is not null' from json_checks where e_text is distinct from ''
union all select 'json_text: missing member is null' from json_checks where missing_text is not null
union all select 'json_get then json_text: nested member' from json_checks where nested_text is distinct from 'y'
union all select 'json_get: missing member is null' from json_checks where missing_json is not null
union all select 'json_is_array: array, object, missing'
    from json_checks where l_is_array is distinct from true or o_is_array is distinct from false or missing_is_array is not null
union all select 'from_wall_clock: ' || tz || ' ' || cast(wall_clock as text)
    from converted where got_moment is distinct from expected_moment
union all select 'to_wall_clock: Paris day of 23:30 UTC on 31 August'
    from converted where paris_wall_clock is distinct from cast('2025-09-01 01:30:00' as timestamp)
union all select 'materialized_cte' from once where one <> 1
