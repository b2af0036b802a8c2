{#- Incremental staging: "the load batches not yet seen → the keys they touch → those keys
    recomputed from all of raw". One pattern for every incremental model (DECISIONLOG.md,
    "Incremental staging: delete+insert on the keys a new batch touches").

    A model declares `{{ config(**publics.incremental_config('event_date')) }}` (delete+insert on
    its key column), restricts its raw relation(s) with `{{ publics.incremental_filter(...) }}`
    and selects `{{ publics.raw_loaded_through(...) }} as raw_loaded_through`: the newest
    `_loaded_at` of its raw relations when it was built, its watermark. On an incremental run the
    raw rows loaded after the watermark are the new batches; the keys they hold (`keys`, SQL over
    the raw columns, e.g. GA4's `event_date` text, Matomo's `id_site, id_visit`) are the affected
    keys, and every raw row of those keys — earlier versions included — goes through the model
    again, so that the latest-version rule ranks all the versions of a key as a full build does.
    dbt then deletes the target rows of the recomputed keys and inserts the new ones.
    A model over incremental models (int_web__sessions over the web staging) works the same way
    with their `raw_loaded_through` in place of raw's `_loaded_at` (`loaded_at` below): their rows
    newer than its watermark are those their builds recomputed since its own.
    Raw rows removed (the GDPR purge, a person forgotten) are not a new batch: the caller rebuilds
    the models concerned with `full_refresh_models` (publics/incremental.py). -#}

{#- The model's config: delete+insert on `unique_key` (a column of the model, one value per
    affected key or coarser), a full refresh forced when the model is named in the var
    `full_refresh_models` (what the GDPR purge and forget pass). `raw_keys` and `raw_tables`
    (the keys as incremental_filter takes them, the raw tables as [source, table] pairs) make the
    pre-hook give the raw tables the indexes the incremental run reads them through
    (raw_key_indexes); the model's own table gets one on its key (dbt's delete) and one on its
    watermark (incremental_watermark), made by dbt with the table, and one on each of `indexes`
    (lists of columns): the columns an incremental model downstream reads this one by. -#}
{% macro incremental_config(unique_key, raw_keys=none, raw_tables=none, indexes=[]) -%}
    {%- set forced = model.name in var('full_refresh_models', []) -%}
    {%- set key_columns = [] -%}
    {%- for key in ([unique_key] if unique_key is string else unique_key) -%}
        {%- do key_columns.append('(' ~ key ~ ')') -%}  {#- a column or an expression -#}
    {%- endfor -%}
    {%- set extra_indexes = [] -%}
    {%- for columns in indexes -%}
        {%- do extra_indexes.append({'columns': columns}) -%}
    {%- endfor -%}
    {%- set pre_hooks = ['{{ publics.incremental_session(true) }}'] -%}
    {%- if raw_tables -%}
        {%- do pre_hooks.append('{{ publics.raw_key_indexes(' ~ (raw_keys | tojson) ~ ', ' ~ (raw_tables | tojson) ~ ') }}') -%}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
        'full_refresh': true if forced else none,
        'indexes': [{'columns': key_columns}, {'columns': ['raw_loaded_through']}] + extra_indexes,
        'pre_hook': pre_hooks,
        'post_hook': '{{ publics.incremental_session(false) }}',
    }) }}
{%- endmacro %}

{#- The indexes an incremental run reads raw through, on each of `raw_tables` ([source, table]
    pairs): one on `_loaded_at` (the rows of the batches not yet seen, and the watermark's max)
    and one on the keys (every version of an affected key; none when `keys` is empty, a model
    of whole file loads: incremental_new_files), so that an incremental run reads
    what the delivery touches rather than all of history. Expression indexes on the very SQL of
    `keys` (the planner uses an index only for the same expression), made once, when missing
    (`if not exists`: a catalogue look-up afterwards); the loader's inserts keep them up to date.
    Named after the table and a hash of the keys (63 bytes at most). DECISIONLOG.md, "The daily
    run reads what the delivery touches". -#}
{% macro raw_key_indexes(keys, raw_tables) -%}
    {{ return(adapter.dispatch('raw_key_indexes', 'publics')(keys, raw_tables)) }}
{%- endmacro %}

{% macro default__raw_key_indexes(keys, raw_tables) -%}
{%- endmacro %}

{% macro postgres__raw_key_indexes(keys, raw_tables) -%}
    {%- for pair in raw_tables -%}
    {%- set relation = source(pair[0], pair[1]) -%}
    {%- set stem = relation.identifier[:40] %}
    create index if not exists {{ stem }}__loaded_at_idx on {{ relation }} (_loaded_at);
    {%- if keys %}
    create index if not exists {{ stem }}__key_{{ local_md5(keys | join(',')) [:8] }}_idx on {{ relation }} (
        {%- for key in keys %}({{ key }}){{ ',' if not loop.last }}{% endfor %});
    {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- Around an incremental run (`start`: before, else after), what the session needs: on
    PostgreSQL, no JIT. The planner sizes the query by the whole raw tables (it cannot know how few
    rows are new) and compiles it: 19 s of JIT for a 1 s Matomo day at the 0.05 demo. A full
    build keeps the server's setting. -#}
{% macro incremental_session(start) -%}
    {{ return(adapter.dispatch('incremental_session', 'publics')(start)) }}
{%- endmacro %}

{% macro default__incremental_session(start) -%}
{%- endmacro %}

{% macro postgres__incremental_session(start) -%}
    {%- if start and is_incremental() %}set jit = off{% elif not start %}reset jit{% endif -%}
{%- endmacro %}

{#- A WHERE clause (with its `where`) keeping the raw rows of `relation` whose keys a batch
    loaded since the last build touches; empty on a full build. `relations`: every raw relation
    the model reads for the same records (their keys are gathered from all of them). `keys`: a
    list of SQL expressions over the raw columns, the same for each relation. `also`: a query
    of more keys to recompute (keys whose rows depend on another raw table's new batches, e.g.
    Mailchimp's activity on the contacts), unioned with them. `loaded_at`: the column saying
    when a row arrived — raw's `_loaded_at`, or `raw_loaded_through` when the relations are
    incremental models themselves (a row recomputed by a build carries that build's watermark,
    so the rows newer than this model's watermark are those recomputed since its last build).
    `everything`: no filter on an incremental run either (every key recomputed, e.g. when a rule
    the rows are classified by changed). -#}
{% macro incremental_filter(keys, relations, also=none, loaded_at='_loaded_at', everything=false) -%}
    {{ return(adapter.dispatch('incremental_filter', 'publics')(keys, relations, also, loaded_at, everything)) }}
{%- endmacro %}

{% macro default__incremental_filter(keys, relations, also=none, loaded_at='_loaded_at', everything=false) -%}
    {%- if is_incremental() and not everything -%}
    {%- set affected -%}
        {%- for relation in relations %}
        select {{ keys | join(', ') }}
        from {{ relation }}
        where {{ loaded_at }} > {{ publics.incremental_watermark() }}
        {%- if not loop.last %}
        union
        {%- endif %}
        {%- endfor %}
        {%- if also %}
        union
        {{ also }}
        {%- endif %}
    {%- endset -%}
    {#- The affected keys, read now and written as constants when they are few (a day's delivery):
        against a subquery the planner cannot know how few they are, and it reads every raw row
        of every key through the index (measured: the whole GA4 history, day by day). -#}
    {%- set listed = publics.incremental_keys(keys, affected) if execute else none -%}
    {%- if listed is none %}
    where ({{ keys | join(', ') }}) in (
        {{ affected }}
    )
    {%- elif listed | length == 0 %}
    where false
    {%- else %}
    where ({{ keys | join(', ') }}) in ({{ 'values ' if keys | length > 1 and target.type == 'postgres' }}{{ listed | join(', ') }})
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- A WHERE clause (with its `where`) keeping the raw rows loaded since the last build, empty on
    a full build (for a query reading one raw relation; the model reads it once and uses it for
    each): for a model whose rows are whole file loads (grouped by `_source_file`,
    `_file_hash`, `_batch_id`: one file of one ingestion run). A loaded file never
    changes and its rows share one `_loaded_at` (its loading transaction's start), so the rows of
    the files loaded since are all such a model needs: no key to recompute from earlier loads, no
    key index (incremental_config with `raw_keys` empty). Rows removed from a load (purge, forget)
    are no new load: as for every incremental model, the caller rebuilds it whole
    (publics/incremental.py). -#}
{% macro incremental_new_files() -%}
    {%- if is_incremental() %}
    where _loaded_at > {{ publics.incremental_watermark() }}
    {%- endif -%}
{%- endmacro %}

{#- The keys `affected` (a query of `keys`) selects, as SQL literals (`'a'` or `('a', 'b')`),
    none when there are more than the var `incremental_key_literals` (default 10,000): then the
    query itself is the filter. Keys with a null part are left out (`in` never matches them). -#}
{% macro incremental_keys(keys, affected) -%}
    {%- set limit = var('incremental_key_literals', 10000) -%}
    {%- set texts = [] -%}
    {%- for n in range(keys | length) -%}
        {#- prefixed: the result table would type '0012' as a number -#}
        {%- do texts.append("'k:' || cast(k" ~ n ~ " as text)") -%}
    {%- endfor -%}
    {%- set names = [] -%}
    {%- for n in range(keys | length) -%}
        {%- do names.append('k' ~ n) -%}
    {%- endfor -%}
    {%- set rows = run_query('select distinct ' ~ texts | join(', ') ~ ' from (' ~ affected ~ ') as affected (' ~ names | join(', ')
        ~ ') where ' ~ names | join(' is not null and ') ~ ' is not null limit ' ~ (limit + 1)) -%}
    {%- if rows | length > limit -%}
        {{ return(none) }}
    {%- endif -%}
    {#- Several columns on PostgreSQL: the rows are listed as a VALUES list (incremental_filter), its
        first row cast to the keys' types (the others follow it). A row-constructor IN list is
        planned as one OR branch per key: 25 s of planning for a 1 s query on the 4,252 visits of
        a day at scale 1, 0.06 s as VALUES (a hashed semi-join on the key index). -#}
    {%- set types = [] -%}
    {%- if keys | length > 1 and target.type == 'postgres' and rows | length > 0 -%}
        {%- set typeofs = [] -%}
        {%- for n in range(keys | length) -%}
            {%- do typeofs.append('pg_typeof(k' ~ n ~ ')::text') -%}
        {%- endfor -%}
        {%- set types = run_query('select ' ~ typeofs | join(', ') ~ ' from (' ~ affected ~ ') as affected ('
            ~ names | join(', ') ~ ') limit 1').rows[0].values() | list -%}
    {%- endif -%}
    {%- set listed = [] -%}
    {%- for row in rows -%}
        {%- set quoted = [] -%}
        {%- set first = loop.first -%}
        {%- for value in row.values() -%}
            {%- do quoted.append("'" ~ (value[2:] | replace("'", "''")) ~ "'" ~ ('::' ~ types[loop.index0] if first and types else '')) -%}
        {%- endfor -%}
        {%- do listed.append(quoted[0] if quoted | length == 1 else '(' ~ quoted | join(', ') ~ ')') -%}
    {%- endfor -%}
    {{ return(listed) }}
{%- endmacro %}

{#- The watermark of the model being built: the newest raw `_loaded_at` its previous builds read
    (every raw row when the table is empty). -#}
{% macro incremental_watermark() -%}
    {{ return(adapter.dispatch('incremental_watermark', 'publics')()) }}
{%- endmacro %}

{% macro default__incremental_watermark() -%}
    {%- set built = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'raw_loaded_through' not in built -%}
        {{ exceptions.raise_compiler_error(this ~ " was built before it became incremental (no raw_loaded_through): "
            ~ "rebuild it once with `publics build --full-refresh`") }}
    {%- endif -%}
    {#- Read now and written as a constant: against a subquery, the planner cannot know how few raw
        rows are newer (it assumes a third of the table and scans it all); against a constant it
        reads the `_loaded_at` index's statistics and end. An index on the model's column makes
        the max a look-up. -#}
    {%- if execute -%}
        {%- set newest = run_query("select coalesce(max(raw_loaded_through), '-infinity')::text from " ~ this).columns[0].values()[0] -%}
        cast('{{ newest }}' as timestamp with time zone)
    {%- else -%}
        (select coalesce(max(raw_loaded_through), cast('-infinity' as timestamp with time zone)) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- The newest `_loaded_at` of `relations` (read in the same statement as the rows: the same
    snapshot), the value of the model's `raw_loaded_through` column. `loaded_at`: the column read,
    `raw_loaded_through` over models that carry it (the newest raw row their builds read). -#}
{% macro raw_loaded_through(relations, loaded_at='_loaded_at') -%}
    {{ return(adapter.dispatch('raw_loaded_through', 'publics')(relations, loaded_at)) }}
{%- endmacro %}

{% macro default__raw_loaded_through(relations, loaded_at='_loaded_at') -%}
    {%- if relations | length == 1 -%}
    (select max({{ loaded_at }}) from {{ relations[0] }})
    {%- else -%}
    greatest(
        {%- for relation in relations %}
        (select max({{ loaded_at }}) from {{ relation }}){{ ',' if not loop.last }}
        {%- endfor %}
    )
    {%- endif -%}
{%- endmacro %}
