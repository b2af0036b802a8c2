{#- Keep the latest version of each record across overlapping deliveries.
    Rule: the highest `updated_at` (the source's own last-update time) wins; on a tie, the row
    loaded last (`_loaded_at`), then the later file name, then the later line of the file.
    Usage, as a CTE body: `latest as ({{ latest_record('typed', 'order_id', 'updated_at') }})`
    where the relation/CTE carries the raw metadata columns. -#}
{% macro latest_record(relation, key, updated_at) -%}
    select *
    from (
            select
                versions.*,
                row_number() over (
                    partition by {{ key }}
                    order by {{ updated_at }} desc nulls last, _loaded_at desc, _source_file desc, _row_number desc
                ) as _version_rank
            from {{ relation }} as versions
    ) as ranked
    where _version_rank = 1
{%- endmacro %}
