{#- Generic test: the sum of `column` in the model equals the sum of `compare_column` in
    `compare_model` (optionally filtered), to the cent. Fails with both totals when they differ. -#}
{% test equal_sums(model, column, compare_model, compare_column, where_compare=none, precision=2) %}
    with ours as (
        select round(cast(coalesce(sum({{ column }}), 0) as numeric), {{ precision }}) as total
        from {{ model }}
    ),
    theirs as (
        select round(cast(coalesce(sum({{ compare_column }}), 0) as numeric), {{ precision }}) as total
        from {{ compare_model }}
        {% if where_compare %}where {{ where_compare }}{% endif %}
    )
    select ours.total as model_total, theirs.total as compare_total
    from ours cross join theirs
    where ours.total <> theirs.total
{% endtest %}
