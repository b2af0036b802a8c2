{#- The keyed hash (HMAC-SHA256, in hex) of a text: every pseudonymous key of a direct
    identifier (e-mail, name, contact number) is made here, so that nobody reading a key can
    recompute it from a guess. The secret never appears in the SQL: its HMAC pads live in
    restricted.key_material (written by `publics db up` and every pipeline step from
    PUBLICS_KEY_SECRET, ingestion/keys.py — the Python twin, which must agree). -#}
{% macro keyed_hash(expr) -%}
    {{ return(adapter.dispatch('keyed_hash', 'publics')(expr)) }}
{%- endmacro %}
{% macro default__keyed_hash(expr) -%}
    {{ exceptions.raise_compiler_error("keyed_hash: no implementation for the adapter " ~ adapter.type() ~ " (postgres only so far)") }}
{%- endmacro %}
{#- sha256(outer || sha256(inner || message)) is RFC 2104's HMAC; PostgreSQL 11+ has sha256(),
    no extension needed. The pads are read by uncorrelated subqueries: once per query. -#}
{#- dbt unit tests cannot give restricted.key_material: one sets the var
    `keyed_hash_with_the_empty_secret` and its expected keys are HMACs under the empty secret,
    computed in Python (RFC 2104: a short key is padded with zeros, so the pads are 0x36 and 0x5c
    repeated). Never set it elsewhere: such keys are anyone's to recompute. -#}
{% macro postgres__keyed_hash(expr) -%}
    {%- if var('keyed_hash_with_the_empty_secret', false) -%}
        {%- set inner, outer = "decode(repeat('36', 64), 'hex')", "decode(repeat('5c', 64), 'hex')" -%}
    {%- else -%}
        {%- set inner, outer = "(select inner_pad from restricted.key_material)", "(select outer_pad from restricted.key_material)" -%}
    {%- endif -%}
    encode(sha256({{ outer }} || sha256({{ inner }} || convert_to({{ expr }}, 'UTF8'))), 'hex')
{%- endmacro %}

{#- Fails the run (on-run-start) when the key material is missing: keys would all be null. -#}
{% macro assert_key_material() -%}
    do $$
    begin
        if to_regclass('restricted.key_material') is null
            or (select count(*) from restricted.key_material) <> 1 then
            raise exception 'restricted.key_material is missing: run `publics db up` (local cluster) or set PUBLICS_KEY_SECRET and run a publics step first';
        end if;
    end
    $$
{%- endmacro %}

{#- A stable pseudonymous key for a direct identifier (email…): hashed after trimming and
    lower-casing, so that "Anne.Dupont@Exemple.fr " and "anne.dupont@exemple.fr" agree
    (ingestion.keys.email_key in Python). -#}
{% macro pseudonymise(column) -%}
    case when nullif(trim({{ column }}), '') is not null
        then {{ publics.keyed_hash("lower(trim(" ~ column ~ "))") }}
    end
{%- endmacro %}

{#- Letters without their accents and ligatures, lower case (for matching names typed with or
    without accents: "Hélène DUPRÉ" = "helene dupre"). -#}
{% macro fold_accents(expr) -%}
    translate(replace(replace(lower({{ expr }}), 'œ', 'oe'), 'æ', 'ae'),
        'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ', 'aaaaaaceeeeiiiinooooouuuuyy')
{%- endmacro %}

{#- A pseudonymous key of a person's name: last and first names folded (no accents, case,
    spaces, hyphens or apostrophes), hashed. Null unless both names are known. -#}
{% macro name_key(last_name, first_name) -%}
    {%- set last = publics.regex_replace_all(publics.fold_accents(last_name), '[^a-z]', '') -%}
    {%- set first = publics.regex_replace_all(publics.fold_accents(first_name), '[^a-z]', '') -%}
    case when nullif(trim({{ last_name }}), '') is not null and nullif(trim({{ first_name }}), '') is not null
        then {{ publics.keyed_hash(last ~ " || '|' || " ~ first) }}
    end
{%- endmacro %}

{#- Mailchimp's subscriber hash (md5 of the lower-case address, public) of each ticketing
    contact's address, with the contact's key: how a Mailchimp row delivered without its address
    (only `email_id`) finds its person. Computed inside the query that needs it, never stored.
    `contacts`: a relation with `email` and `email_key` (staging's base of the contacts, or the
    restricted identities for an intermediate model). -#}
{% macro mailchimp_subscriber_hashes(contacts) -%}
    select distinct md5(lower(trim(email))) as email_id, email_key
    from {{ contacts }}
    where email_key is not null
{%- endmacro %}

{#- The `email_key` of a Mailchimp activity row: its address's key, else the key of the contact
    whose subscriber hash is its `email_id` (`hashes`: the alias of mailchimp_subscriber_hashes(),
    left-joined with mailchimp_subscriber_hash_join), else a key of the `email_id` itself (a
    recipient of its own, joined to nobody). -#}
{% macro mailchimp_email_key(row, hashes) -%}
    coalesce(
        {{ pseudonymise(row ~ '.email_address') }},
        {{ hashes }}.email_key,
        {{ publics.keyed_hash("'mailchimp:' || lower(" ~ clean_text(row ~ '.email_id') ~ ")") }}
    )
{%- endmacro %}

{% macro mailchimp_subscriber_hash_join(row, hashes) -%}
    nullif(trim({{ row }}.email_address), '') is null
    and {{ hashes }}.email_id = lower({{ clean_text(row ~ '.email_id') }})
{%- endmacro %}
