{#- Generic test: `column_name` is never after `limit_column` on the same row (a feature computed
    as of a date reads nothing later). Returns the offending rows. -#}
{% test not_after(model, column_name, limit_column) %}
    select *
    from {{ model }}
    where {{ column_name }} > {{ limit_column }}
{% endtest %}
