{#- A struct value from (name, SQL expression) pairs, e.g. the tie-break keys that min_by /
    max_by compare field by field (int_outcomes__timepoints). DuckDB: struct_pack(name := expr);
    Spark: named_struct('name', expr). Field access (`x.name`) and min_by / max_by are the same
    on both. -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch('struct_of')(fields)) }}
{%- endmacro %}


{% macro default__struct_of(fields) -%}
    struct_pack({% for name, expr in fields %}{{ name }} := {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}


{% macro spark__struct_of(fields) -%}
    named_struct({% for name, expr in fields %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
