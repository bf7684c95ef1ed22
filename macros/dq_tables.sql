{#- The reporting views of the data-quality results (rpt_dq_*) read the `dq` tables that
    `trd check` writes. `trd build` creates them, empty, before dbt runs; a bare `dbt build` on a
    warehouse that never saw `trd build` or `trd check` has none, and the views then select
    nothing (typed, no rows) instead of failing the build. `trd build` rebuilds them on the
    real tables. -#}

{% macro dq_tables_exist(tables) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- for table in tables -%}
        {%- if load_relation(source('dq', table)) is none -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}


{#- No rows, with the given (name, type) columns; types are dbt's portable ones: string,
    timestamp, bigint, int, double (a name DuckDB and Spark share; dbt.type_float() is a 4-byte
    float on DuckDB) or boolean. -#}
{% macro empty_select(columns) -%}
    {%- set types = {
        'string': dbt.type_string(),
        'timestamp': dbt.type_timestamp(),
        'bigint': dbt.type_bigint(),
        'int': dbt.type_int(),
        'double': 'double',
        'boolean': dbt.type_boolean(),
    } -%}
    select
    {%- for name, type in columns %}
        cast(null as {{ types[type] }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0
{%- endmacro %}
