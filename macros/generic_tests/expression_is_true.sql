{#- An invariant every row must satisfy; failing rows are returned. `expression` is always a
    complete boolean SQL expression (unlike dbt_utils, the column is not prefixed), so the test
    reads the same at model and at column level; `column_name` is accepted for the latter. -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
