{#- The shared nomenclature (SPEC §5): UTM values, the campaign naming convention, GA4 channel
    groups. Aliases and categories live in seeds (utm_source_aliases, utm_medium_aliases,
    ga4_source_categories, channel_groups) so the institution can extend them; these macros hold
    only the rules. Cross-database: regular expressions go through `publics.regex_matches` and
    `publics.regex_capture`. -#}

{#- A UTM value as compared: trimmed, lower case, '' and '(not set)' as null. -#}
{% macro clean_utm(expr) -%}
    nullif(nullif(lower(trim({{ expr }})), ''), '(not set)')
{%- endmacro %}

{#- The canonical value of a UTM parameter: its alias in the seed, else the cleaned value.
    `aliases` is the alias relation's alias (joined by the caller on alias = clean_utm(expr)). -#}
{% macro canonical_utm(expr, alias_column) -%}
    coalesce({{ alias_column }}, {{ publics.clean_utm(expr) }})
{%- endmacro %}

{#- Naming convention: <season>_<objective>_<show-or-institutional>_<audience>,
    e.g. 2025-26_conquete_carmen_jeunes (lower case, words of a part joined by '-'). -#}
{% macro campaign_name_pattern() -%}
    ^([0-9]{4}-[0-9]{2})_([a-z]+)_([a-z0-9]+(-[a-z0-9]+)*)_([a-z0-9]+(-[a-z0-9]+)*)$
{%- endmacro %}

{#- One part of a conforming campaign name (season | objective | show | audience), else null.
    The season must also be a real one: its second year follows the first. -#}
{% macro campaign_part(expr, part) -%}
    {%- set groups = {'season': 1, 'objective': 2, 'show': 3, 'audience': 5} -%}
    case when {{ publics.campaign_is_conforming(expr) }}
        then {{ publics.regex_capture(expr, publics.campaign_name_pattern(), groups[part]) }}
    end
{%- endmacro %}

{% macro campaign_is_conforming(expr) -%}
    case when {{ publics.regex_matches(expr, publics.campaign_name_pattern()) }}
        then mod(cast(substring({{ expr }}, 1, 4) as integer) + 1, 100) = cast(substring({{ expr }}, 6, 2) as integer)
        else false
    end
{%- endmacro %}

{#- GA4 default channel group of a (source, medium, campaign), with the source's category from
    the ga4_source_categories seed (SOURCE_CATEGORY_SEARCH / SOCIAL / VIDEO / SHOPPING or null).
    Rules in GA4's order (support.google.com/analytics/answer/9756891). Arguments are SQL
    expressions of cleaned, lower-case values. -#}
{% macro channel_group(source, medium, campaign, source_category) -%}
    {%- set paid = "'^(.*cp.*|ppc|retargeting|paid.*)$'" -%}
    {%- set shop_campaign = publics.regex_matches(campaign, '^(.*(([^a-df-z]|^)shop|shopping).*)$') -%}
    case
        when ({{ source }} = '(direct)' and ({{ medium }} is null or {{ medium }} in ('(none)', '(not set)')))
            or ({{ source }} is null and {{ medium }} is null) then 'Direct'
        when {{ publics.regex_matches(campaign, 'cross-network') }} then 'Cross-network'
        when ({{ source_category }} = 'SOURCE_CATEGORY_SHOPPING' or {{ shop_campaign }})
            and {{ publics.regex_matches(medium, paid[1:-1]) }} then 'Paid Shopping'
        when {{ source_category }} = 'SOURCE_CATEGORY_SEARCH' and {{ publics.regex_matches(medium, paid[1:-1]) }} then 'Paid Search'
        when {{ source_category }} = 'SOURCE_CATEGORY_SOCIAL' and {{ publics.regex_matches(medium, paid[1:-1]) }} then 'Paid Social'
        when {{ source_category }} = 'SOURCE_CATEGORY_VIDEO' and {{ publics.regex_matches(medium, paid[1:-1]) }} then 'Paid Video'
        when {{ medium }} in ('display', 'banner', 'expandable', 'interstitial', 'cpm') then 'Display'
        when {{ publics.regex_matches(medium, paid[1:-1]) }} then 'Paid Other'
        when {{ source_category }} = 'SOURCE_CATEGORY_SHOPPING' or {{ shop_campaign }} then 'Organic Shopping'
        when {{ source_category }} = 'SOURCE_CATEGORY_SOCIAL'
            or {{ medium }} in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media') then 'Organic Social'
        when {{ source_category }} = 'SOURCE_CATEGORY_VIDEO' or {{ publics.regex_matches(medium, '^(.*video.*)$') }} then 'Organic Video'
        when {{ source_category }} = 'SOURCE_CATEGORY_SEARCH' or {{ medium }} = 'organic' then 'Organic Search'
        when {{ medium }} in ('referral', 'app', 'link') then 'Referral'
        when {{ publics.regex_matches(source, 'email|e-mail|e_mail|e mail') }}
            or {{ publics.regex_matches(medium, 'email|e-mail|e_mail|e mail') }} then 'Email'
        when {{ medium }} = 'affiliate' then 'Affiliates'
        when {{ medium }} = 'audio' then 'Audio'
        when {{ source }} = 'sms' or {{ medium }} = 'sms' then 'SMS'
        when {{ publics.regex_matches(medium, '(push$|mobile|notification)') }} or {{ source }} = 'firebase'
            then 'Mobile Push Notifications'
        else 'Unassigned'
    end
{%- endmacro %}

{#- Does `expr` match the POSIX regular expression `pattern`? (null when expr is null) -#}
{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'publics')(expr, pattern)) }}
{%- endmacro %}
{% macro default__regex_matches(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}
{% macro bigquery__regex_matches(expr, pattern) -%}
    regexp_contains({{ expr }}, r'{{ pattern }}')
{%- endmacro %}
{% macro snowflake__regex_matches(expr, pattern) -%}
    regexp_instr({{ expr }}, '{{ pattern }}') > 0
{%- endmacro %}

{#- The `group`-th parenthesised group of `pattern` in `expr`, or null. -#}
{% macro regex_capture(expr, pattern, group) -%}
    {{ return(adapter.dispatch('regex_capture', 'publics')(expr, pattern, group)) }}
{%- endmacro %}
{% macro default__regex_capture(expr, pattern, group) -%}
    (regexp_match({{ expr }}, '{{ pattern }}'))[{{ group }}]
{%- endmacro %}
{% macro bigquery__regex_capture(expr, pattern, group) -%}
    regexp_extract({{ expr }}, r'{{ pattern }}', 1, {{ group }})
{%- endmacro %}
{% macro snowflake__regex_capture(expr, pattern, group) -%}
    regexp_substr({{ expr }}, '{{ pattern }}', 1, 1, 'e', {{ group }})
{%- endmacro %}

{#- `expr` with every match of `pattern` replaced by `replacement`. -#}
{% macro regex_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'publics')(expr, pattern, replacement)) }}
{%- endmacro %}
{% macro default__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}
{% macro bigquery__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, r'{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{#- Does `expr` match the regular expression held by the SQL expression `pattern_expr` (a
    column of patterns, say)? -#}
{% macro regex_matches_expr(expr, pattern_expr) -%}
    {{ return(adapter.dispatch('regex_matches_expr', 'publics')(expr, pattern_expr)) }}
{%- endmacro %}
{% macro default__regex_matches_expr(expr, pattern_expr) -%}
    ({{ expr }} ~ {{ pattern_expr }})
{%- endmacro %}
{% macro bigquery__regex_matches_expr(expr, pattern_expr) -%}
    regexp_contains({{ expr }}, {{ pattern_expr }})
{%- endmacro %}

{#- The name users read for an ad platform code (meta, google_ads); another code as it is. -#}
{% macro ad_platform_label(expr) -%}
    case {{ expr }} when 'meta' then 'Meta (Facebook, Instagram)' when 'google_ads' then 'Google Ads'
        else {{ expr }} end
{%- endmacro %}

{#- A postcode as the ticketing contacts carry it: trimmed, upper-cased, and a French postcode
    that went through a spreadsheet (4 digits) given its leading zero back. `country_expr`: the
    country code (FR when unknown). Contacts and invitation lists alike (their postcodes are
    compared to match an invitee without e-mail). -#}
{% macro clean_postcode(column, country_expr="'FR'") -%}
    case
        when upper(coalesce({{ country_expr }}, 'FR')) = 'FR'
            and {{ publics.regex_matches(clean_text(column), '^[0-9]{4}$') }} then '0' || trim({{ column }})
        else upper({{ clean_text(column) }})
    end
{%- endmacro %}
