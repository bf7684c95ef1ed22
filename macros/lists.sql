{#- Word lists for the concept-set diagnostics (orphan search). DuckDB and Spark spell list
    functions differently: string_split / split, list_has_all / array_except, len / size, and
    regexp_replace replaces every match only with DuckDB's 'g' flag while Spark's 4th argument is
    a start position (a 'g' there silently returns NULL with ANSI off). -#}

{#- Lower-cased words of a text: runs of anything but a-z and 0-9 separate words. -#}
{% macro words(text) -%}
    {{ return(adapter.dispatch('words')(text)) }}
{%- endmacro %}

{% macro default__words(text) -%}
    string_split(trim(regexp_replace(lower({{ text }}), '[^a-z0-9]+', ' ', 'g')), ' ')
{%- endmacro %}

{% macro spark__words(text) -%}
    split(trim(regexp_replace(lower({{ text }}), '[^a-z0-9]+', ' ')), ' ')
{%- endmacro %}


{#- True when every element of `needles` is in `haystack`. -#}
{% macro list_contains_all(haystack, needles) -%}
    {{ return(adapter.dispatch('list_contains_all')(haystack, needles)) }}
{%- endmacro %}

{% macro default__list_contains_all(haystack, needles) -%}
    list_has_all({{ haystack }}, {{ needles }})
{%- endmacro %}

{% macro spark__list_contains_all(haystack, needles) -%}
    (size(array_except({{ needles }}, {{ haystack }})) = 0)
{%- endmacro %}


{% macro list_length(list) -%}
    {{ return(adapter.dispatch('list_length')(list)) }}
{%- endmacro %}

{% macro default__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{% macro spark__list_length(list) -%}
    size({{ list }})
{%- endmacro %}
