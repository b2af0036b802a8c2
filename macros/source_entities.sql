{#- The raw entities as the quality models see them, in one place: for each (source, entity) of
    the contracts, the SQL of the newest day its rows hold (the data's own date: an order, an
    update, an event, a report day, a send; none for the teams' spreadsheets, whose dates are
    plans, not deliveries), and for the reports without a record timestamp the key of their
    records (their versions are ordered by the file's own date: quality_stale_deliveries).
    Adding a source to the freshness checks is adding it here. -#}
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
        {'source': 'ads', 'entity': 'google_ads_campaigns', 'data_date': publics.parse_date_any('segments_date'),
         'file_dated_key': ['campaign_id', 'segments_date']},
        {'source': 'ads', 'entity': 'meta_ads_insights',
         'data_date': 'coalesce(' ~ publics.parse_date_any('day') ~ ', ' ~ publics.parse_date_any('date_stop') ~ ', ' ~ publics.parse_date_any('date_start') ~ ')',
         'file_dated_key': ['campaign_id', 'adset_id', 'ad_id', 'date_start']},
        {'source': 'emailing', 'entity': 'mailchimp_reports', 'data_date': local_day(publics.parse_timestamp_iso('send_time')),
         'file_dated_key': ['id']},
        {'source': 'emailing', 'entity': 'mailchimp_email_activity', 'data_date': local_day(publics.parse_timestamp_iso('timestamp'))},
        {'source': 'emailing', 'entity': 'brevo_campaigns', 'data_date': local_day(publics.parse_timestamp_iso('sentdate'))},
        {'source': 'social', 'entity': 'posts',
         'data_date': 'coalesce(' ~ publics.parse_date_any('date') ~ ', ' ~ publics.parse_date_any('publish_time') ~ ')'},
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
