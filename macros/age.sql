{#- A person's age in whole years on a day (their birthday counts from the day itself): the age
    at purchase of dashboards 7 and 8, where a buyer who turns 28 mid-season is young for what
    they bought before their birthday only. -#}
{% macro age_on(birth_date, on_date) -%}
    ({{ publics.date_part('year', on_date) }} - {{ publics.date_part('year', birth_date) }}
     - case when {{ publics.date_part('month', on_date) }} * 100 + {{ publics.date_part('day', on_date) }}
                 < {{ publics.date_part('month', birth_date) }} * 100 + {{ publics.date_part('day', birth_date) }}
            then 1 else 0 end)
{%- endmacro %}
