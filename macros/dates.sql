{#- Whole days from `start` to `end` (both DATE expressions): end - start. DuckDB subtracts dates
    to an integer; Spark's date - date is an INTERVAL DAY that cannot be compared with or added to
    an integer (DATATYPE_MISMATCH), so Spark uses datediff(end, start). -#}
{% macro days_between(start, end) -%}
    {{ return(adapter.dispatch('days_between')(start, end)) }}
{%- endmacro %}


{% macro default__days_between(start, end) -%}
    ({{ end }} - {{ start }})
{%- endmacro %}


{% macro spark__days_between(start, end) -%}
    datediff({{ end }}, {{ start }})
{%- endmacro %}
