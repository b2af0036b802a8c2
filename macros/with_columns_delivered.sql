{#- Each raw row of `relation` with the columns its file delivered (`_columns_delivered`, from
    `raw.load_columns` by batch and file hash; NULL: unknown, counted as all), as
    `latest_record(…, fields)` needs them. Usage, as a CTE body:
    `source as ({{ with_columns_delivered(source('secutix', 'contacts')) }})`.
    Why: DECISIONLOG.md, "Deliveries that lack a column". -#}
{% macro with_columns_delivered(relation) -%}
    {{ return(adapter.dispatch('with_columns_delivered', 'publics')(relation)) }}
{%- endmacro %}

{% macro default__with_columns_delivered(relation) -%}
    select
        delivered_rows.*,
        deliveries.columns_delivered as _columns_delivered
    from {{ relation }} as delivered_rows
    left join {{ source('ingestion', 'load_columns') }} as deliveries
        on delivered_rows._batch_id = deliveries.batch_id and delivered_rows._file_hash = deliveries.file_hash
{%- endmacro %}
