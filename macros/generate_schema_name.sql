{#- Layers land in schemas named exactly as configured (raw, staging, intermediate, marts,
    restricted), not "<target>_<layer>": the schemas are part of the product (Metabase's
    read-only role sees `marts` only). Isolation between runs is done by database. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
