{#- The raw entities as the quality models see them, in one place: for each (source, entity) of
    the contracts, the SQL of the newest day its rows hold (the data's own date: an order, an
    update, an event, a report day, a send; none for the teams' spreadsheets, whose dates are
    plans, not deliveries). Adding a source to the freshness checks is adding it here. -#}
{% macro raw_entities() -%}
    {{ return(adapter.dispatch('raw_entities', 'publics')()) }}
{%- endmacro %}
{% macro default__raw_entities() -%}
    {%- set local_day = publics.local_date -%}
    {{ return([
        {'source': 'secutix', 'entity': 'contacts', 'data_date': local_day(publics.parse_timestamp_fr('last_update'))},
        {'source': 'secutix', 'entity': 'performances', 'data_date': local_day(publics.parse_timestamp_fr('last_update'))},
        {'source': 'secutix', 'entity': 'orders', 'data_date': local_day(publics.parse_timestamp_fr('order_date'))},
        {'source': 'secutix', 'entity': 'tickets', 'data_date': local_day(publics.parse_timestamp_fr('last_update'))},
        {'source': 'ga4', 'entity': 'events',
         'data_date': "case when " ~ publics.regex_matches('event_date', '^[0-9]{8}$') ~ " then to_date(event_date, 'YYYYMMDD') end"},
        {'source': 'matomo', 'entity': 'visits', 'data_date': publics.parse_date_any(publics.json_text('record', 'serverDate'))},
        {'source': 'matomo', 'entity': 'visits_csv', 'data_date': publics.parse_date_any(publics.json_text('record', 'serverDate'))},
        {'source': 'ads', 'entity': 'google_ads_campaigns', 'data_date': publics.parse_date_any('segments_date')},
        {'source': 'ads', 'entity': 'meta_ads_insights',
         'data_date': 'coalesce(' ~ publics.parse_date_any('day') ~ ', ' ~ publics.parse_date_any('date_stop') ~ ', ' ~ publics.parse_date_any('date_start') ~ ')'},
        {'source': 'emailing', 'entity': 'mailchimp_reports', 'data_date': local_day(publics.parse_timestamp_iso('send_time'))},
        {'source': 'emailing', 'entity': 'mailchimp_email_activity', 'data_date': local_day(publics.parse_timestamp_iso('timestamp'))},
        {'source': 'emailing', 'entity': 'brevo_campaigns', 'data_date': local_day(publics.parse_timestamp_iso('sentdate'))},
        {'source': 'social', 'entity': 'posts',
         'data_date': 'coalesce(' ~ publics.parse_date_any('date') ~ ', ' ~ publics.parse_date_any('publish_time') ~ ')'},
    ]) }}
{%- endmacro %}

{#- The raw entities without a record timestamp, whose versions staging orders by what the file
    says of itself, then its name, then arrival (macros/latest_record.sql, file_version_order), in
    one place: for each, the key of its records as staging keys them (`key`, SQL over the raw
    columns), when its rows state the report period, its end (`period_end`, as staging passes
    it to file_dates), and which rows are records when not all (`records`: Ads Manager's total row
    is none). quality_stale_deliveries reports, for each, the files older than what they
    would replace. Left out: the invitation lists (their key is an invitee's name or e-mail,
    personal data that a quality mart does not carry). -#}
{% macro file_dated_reports() -%}
    {{ return(adapter.dispatch('file_dated_reports', 'publics')()) }}
{%- endmacro %}
{% macro default__file_dated_reports() -%}
    {%- set day = publics.parse_date_any -%}
    {{ return([
        {'source': 'ads', 'entity': 'google_ads_campaigns',
         'key': ['coalesce(campaign_id, campaign_name)', day('segments_date')],
         'period_end': day('segments_date')},
        {'source': 'ads', 'entity': 'meta_ads_insights',
         'key': ['coalesce(campaign_id, campaign_name)', 'coalesce(adset_id, adset_name)', 'coalesce(ad_id, ad_name)',
                 'coalesce(' ~ day('day') ~ ', ' ~ day('date_start') ~ ')',
                 'case when ' ~ day('day') ~ ' is null and ' ~ day('date_start') ~ ' < ' ~ day('date_stop') ~ " then 'total' end"],
         'period_end': day('date_stop'), 'records': 'coalesce(campaign_id, campaign_name) is not null'},
        {'source': 'emailing', 'entity': 'mailchimp_reports', 'key': ['id']},
        {'source': 'social', 'entity': 'posts', 'key': ['lower(platform)', 'post_id', day('date')]},
        {'source': 'spreadsheets', 'entity': 'campaign_budgets', 'key': ['saison', 'campagne', 'lower(canal)']},
        {'source': 'spreadsheets', 'entity': 'utm_plan',
         'key': ['lower(utm_source)', 'lower(utm_medium)', 'lower(utm_campaign)', 'lower(utm_content)']},
    ]) }}
{%- endmacro %}

{#- The moment freshness is judged at: var `freshness_as_of` (a timestamp, for tests and replays),
    else now. -#}
{% macro freshness_as_of() -%}
    {%- if var('freshness_as_of', none) -%}
        cast('{{ var("freshness_as_of") }}' as {{ dbt.type_timestamp() }} with time zone)
    {%- else -%}
        {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{#- The day the data's own freshness is judged at: the day of var `freshness_as_of` when given,
    else the dashboards' today (`local_today`: var `today` / PUBLICS_TODAY, else today in Paris),
    so that a replay or the demo judges its data against the day it stands on. -#}
{% macro freshness_data_as_of_date() -%}
    {%- if var('freshness_as_of', none) -%}
        {{ publics.local_date(publics.freshness_as_of()) }}
    {%- else -%}
        {{ publics.local_today() }}
    {%- endif -%}
{%- endmacro %}

{#- A freshness in days judged against a source's thresholds, in French: « À jour », « Avertissement »
    (beyond warn_after), « Erreur » (beyond error_after), « Sans seuil » (the contract declares
    none), « Non mesurée » (nothing to measure: no file, or no dated row). -#}
{% macro freshness_label(days, warn_after_days, error_after_days) -%}
    case
        when {{ days }} is null then 'Non mesurée'
        when {{ warn_after_days }} is null and {{ error_after_days }} is null then 'Sans seuil'
        when {{ days }} > {{ error_after_days }} then 'Erreur'
        when {{ days }} > {{ warn_after_days }} then 'Avertissement'
        else 'À jour'
    end
{%- endmacro %}
