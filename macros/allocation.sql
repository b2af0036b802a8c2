{#- An amount split over the rows of a group by weights, exactly: the parts sum to the amount.
    `exact_split(relation, amount, weight, partition_by, order_by, scale, output)` is a select of
    every column of `relation` (a CTE or subquery name) plus `output`, the row's part of
    `amount` (constant within a group of `partition_by`), in units of 10^-scale (scale 3:
    thousandths of a euro; scale 0: whole tickets). Largest remainder method: each row gets
    the floor of its exact share, and the units left over (fewer than the rows) go one by one
    to the rows with the largest fractional parts, ties broken by `order_by` (deterministic).
    Rows of weight 0 get 0 unless all weights of the group are 0 (then nothing is split: null).
    Helper columns are named `_<output>_…`; the caller lists the columns it keeps. -#}
{% macro exact_split(relation, amount, weight, partition_by, order_by, scale=3, output='split_amount') -%}
    {{ return(adapter.dispatch('exact_split', 'publics')(relation, amount, weight, partition_by, order_by, scale, output)) }}
{%- endmacro %}

{% macro default__exact_split(relation, amount, weight, partition_by, order_by, scale, output) -%}
    {%- set partition = partition_by | join(', ') -%}
    {%- set unit = '1' ~ ('0' * scale) -%}
    {%- set p = '_' ~ output ~ '_' -%}
    select
        {{ p }}ranked.*,
        cast(
            ({{ p }}floor + case when {{ p }}rank <= {{ p }}units - {{ p }}floored then 1 else 0 end)
            / {{ unit }}.0
        as numeric(18, {{ scale }})) as {{ output }}
    from (
        select
            {{ p }}shares.*,
            sum({{ p }}floor) over (partition by {{ partition }}) as {{ p }}floored,
            row_number() over (
                partition by {{ partition }}
                order by {{ p }}share - {{ p }}floor desc, {{ order_by }}
            ) as {{ p }}rank
        from (
            select
                {{ p }}units_of.*,
                {{ p }}units_of.{{ p }}units * {{ weight }}
                    / nullif(sum({{ weight }}) over (partition by {{ partition }}), 0) as {{ p }}share,
                floor({{ p }}units_of.{{ p }}units * {{ weight }}
                    / nullif(sum({{ weight }}) over (partition by {{ partition }}), 0)) as {{ p }}floor
            from (
                select {{ relation }}.*, round({{ amount }} * {{ unit }}) as {{ p }}units
                from {{ relation }}
            ) as {{ p }}units_of
        ) as {{ p }}shares
    ) as {{ p }}ranked
{%- endmacro %}
