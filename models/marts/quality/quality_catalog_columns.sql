{{ config(materialized='view') }}
{#- Minimisation, read from the database catalogue at query time (a view: a column added to any
    table after the build is seen): every column of the analytical schemas (staging,
    intermediate, marts) whose name matches a forbidden pattern (seed sensitive_column_patterns).
    Raw (as delivered) and restricted (direct identifiers, by design) are out of scope. Patterns
    that apply to text only skip other types (a count of comments is not free text) and hashed
    keys (`*_key`), which name an identifier without holding it. -#}
with columns_ as (
    select table_schema, table_name, column_name,
        data_type in ('text', 'character varying', 'character') and column_name not like '%\_key' as is_text
    from information_schema.columns
    where table_schema in ('{{ generate_schema_name("staging", none) | trim }}',
                           '{{ generate_schema_name("intermediate", none) | trim }}',
                           '{{ generate_schema_name("marts", none) | trim }}')
        and table_name <> 'sensitive_column_patterns'
),

patterns as (
    select * from {{ ref('sensitive_column_patterns') }}
)

select
    columns_.table_schema,
    columns_.table_name,
    columns_.column_name,
    min(patterns.category) as category,
    {{ dbt.listagg('patterns.reason', "' ; '", 'order by patterns.reason') }} as reason,
    true as is_forbidden
from columns_
inner join patterns
    on {{ publics.regex_matches_expr('lower(columns_.column_name)', 'patterns.pattern') }}
    and (patterns.applies_to = 'any' or columns_.is_text)
group by columns_.table_schema, columns_.table_name, columns_.column_name
