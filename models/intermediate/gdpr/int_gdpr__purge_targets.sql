{#- What `publics gdpr purge` removes from `raw`, as coordinates of raw rows (never their content):
    the rows of the persons past retention (int_gdpr__retention_status), and the files of the
    rules applied file by file — web analytics (25 months from the newest day a file holds) and
    invitation lists (their newest season's end plus 12 months). `row_number` null: the whole file.
    `action`: `delete` the row; `anonymise` an order or a ticket, whose amount the sales figures
    keep, by emptying its contact number. Reads the raw sources itself: the purge needs each
    raw row's coordinates (_file_hash, _row_number), which staging does not keep. -#}
{{ config(pre_hook="{{ publics.prefer_hash_joins() }}") }}
{%- set web_sources = ['ga4', 'matomo'] -%}
{%- set season_months = 12 -%}
{#- The raw rows of a person past retention: each raw table, the key its rows are matched on
    (a contact number, or an e-mail's key) and what the purge does to them. An e-mail's key is a
    keyed hash (two sha256), too dear to compute on every raw row (millions of e-mail activity
    rows): those tables give the raw columns the key is computed from (`inputs`, over `raw`: each
    null or a non-empty text, the key written over them, alias `inputs`); each distinct input is
    hashed once, those of persons past retention kept, and the raw rows found again by equality on
    their inputs (hash-joinable). Mailchimp's inputs: the address as its key reads it, and the id
    only where there is no address (the only rows whose key it makes). -#}
{%- set person_tables = [
    {'source': 'secutix', 'entity': 'contacts', 'raw_table': 'secutix_contacts',
     'by': 'past_contacts', 'on': 'contact_id',
     'key': clean_text('raw.contact_number'), 'action': 'delete'},
    {'source': 'secutix', 'entity': 'orders', 'raw_table': 'secutix_orders',
     'by': 'past_contacts', 'on': 'contact_id',
     'key': clean_text('raw.buying_contact_number'), 'action': 'anonymise'},
    {'source': 'secutix', 'entity': 'tickets', 'raw_table': 'secutix_tickets',
     'by': 'past_contacts', 'on': 'contact_id',
     'key': clean_text('raw.cultural_contact_number'), 'action': 'anonymise'},
    {'source': 'emailing', 'entity': 'mailchimp_email_activity', 'raw_table': 'mailchimp_email_activity',
     'by': 'past_emails', 'on': 'email_key',
     'inputs': {'email_address': 'lower(' ~ clean_text('raw.email_address') ~ ')',
                'email_id': 'case when ' ~ clean_text('raw.email_address') ~ ' is null then lower(' ~ clean_text('raw.email_id') ~ ') end'},
     'key': mailchimp_email_key('inputs', 'subscriber_hashes'), 'action': 'delete',
     'join': 'left join subscriber_hashes on ' ~ mailchimp_subscriber_hash_join('inputs', 'subscriber_hashes')},
    {'source': 'emailing', 'entity': 'brevo_contacts', 'raw_table': 'brevo_contacts',
     'by': 'past_emails', 'on': 'email_key',
     'inputs': {'email': 'lower(' ~ clean_text('raw.email') ~ ')'},
     'key': pseudonymise('inputs.email'), 'action': 'delete'},
] %}

with rules as (
    select rule_id, retention_months from {{ ref('gdpr_retention_rules') }}
),

past as (
    select subject_key, subject_kind, rule_id from {{ ref('int_gdpr__retention_status') }}
    where is_past_retention
),

past_contacts as (
    select identities.contact_id, past.rule_id
    from past
    inner join {{ ref('int_identity__contacts') }} as identities on identities.person_key = past.subject_key
),

subscriber_hashes as (
    {{ mailchimp_subscriber_hashes(ref('restricted_contact_identities')) }}
),

past_emails as (
    select subject_key as email_key, rule_id from past where subject_kind = 'email'
    union
    select email_persons.email_key, past.rule_id
    from past
    inner join {{ ref('int_identity__email_persons') }} as email_persons on email_persons.person_key = past.subject_key
),

{%- for t in person_tables if t.inputs %}
{#- computed once (materialized): inlined, the planner joins the raw rows to the inputs first and
    hashes every raw row again -#}
{{ t.raw_table }}__past_inputs as {{ publics.materialized_cte() }} (
    select inputs.{{ t.inputs.keys() | join(', inputs.') }}, {{ t.by }}.rule_id
    from (
        select distinct
            {%- for name, sql in t.inputs.items() %}
            {{ sql }} as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ source(t.source, t.entity) }} as raw
    ) as inputs
    {{ t.get('join', '') }}
    inner join {{ t.by }} on {{ t.by }}.{{ t.on }} = {{ t.key }}
),

{% endfor -%}

person_rows as (
    {%- for t in person_tables %}
    select '{{ t.raw_table }}' as raw_table,
        raw._file_hash as file_hash, raw._row_number as row_number, {{ 'past' if t.inputs else t.by }}.rule_id,
        '{{ t.action }}' as action
    from {{ source(t.source, t.entity) }} as raw
    {%- if t.inputs %}
    inner join {{ t.raw_table }}__past_inputs as past on
        {%- for name, sql in t.inputs.items() %}
        coalesce({{ sql }}, '') = coalesce(past.{{ name }}, ''){{ ' and' if not loop.last }}
        {%- endfor %}
    {%- else %}
    inner join {{ t.by }} on {{ t.by }}.{{ t.on }} = {{ t.key }}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

{# Files judged by their newest day (a file is removed once all its rows are past retention): the
   web files' from the dates of their loads (int_quality__file_data_dates, incremental),
   not from every raw row again. -#}
files as (
    select source || '_' || entity as raw_table, file_hash, 'web_analytics' as rule_id, max(data_until) as data_until
    from {{ ref('int_quality__file_data_dates') }}
    where source in ('{{ web_sources | join("', '") }}')
    group by source, entity, file_hash
    union all
    select 'spreadsheet_invitations' as raw_table, _file_hash as file_hash, 'invitation_list' as rule_id,
        max(cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', season_months,
            publics.season_start_date(season_of(parse_date_any('date_de_representation'))))) }} as date)) as data_until
    from {{ source('spreadsheets', 'invitations') }}
    group by _file_hash
),

file_rows as (
    select files.raw_table, files.file_hash, cast(null as {{ dbt.type_int() }}) as row_number, files.rule_id,
        'delete' as action
    from files
    inner join rules on rules.rule_id = files.rule_id
    where cast({{ dbt.dateadd('month', 'rules.retention_months', 'files.data_until') }} as date) <= {{ local_today() }}
),

final as (
    select raw_table, file_hash, row_number, rule_id, action from person_rows
    union all
    select raw_table, file_hash, row_number, rule_id, action from file_rows
)

select distinct raw_table, file_hash, row_number, rule_id, action from final
