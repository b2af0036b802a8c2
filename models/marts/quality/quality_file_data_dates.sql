{#- Each delivered file with rows and the newest day its rows hold (the data's own date, per
    entity: macros/source_entities.sql), for the freshness on the data's date
    (quality_source_freshness) and the stalled sources (quality_stalled_sources). A file's rows
    are all its versions as delivered (raw), so a re-sent old content shows its old dates. -#}
{%- set entities = publics.raw_entities() -%}

with
{% for e in entities %}
{{ e.source }}__{{ e.entity }} as (
    select
        '{{ e.source }}' as source,
        '{{ e.entity }}' as entity,
        _source_file as file_name,
        _file_hash as file_hash,
        min(_loaded_at) as loaded_at,
        count(*) as rows_delivered,
        max({{ e.data_date }}) as data_until
    from {{ source(e.source, e.entity) }}
    group by _source_file, _file_hash, _batch_id
),
{% endfor %}

files as (
    {%- for e in entities %}
    select * from {{ e.source }}__{{ e.entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        source,
        entity,
        file_name,
        file_hash,
        loaded_at,
        rows_delivered,
        data_until
    from files
)

select * from final
