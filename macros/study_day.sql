{#- Trial day after index from ADaM ADY (SPEC 5): ADY - 1 for ADY >= 1, ADY itself for ADY < 0
    (CDISC has no day 0, so day 1 is the index day and day -1 the day before). Written once for
    every ADaM table that needs it (int_biomarkers__records; int_trial__scored_records carries the
    same expression for ADQS). -#}
{% macro trial_study_day(ady) -%}
    (case when {{ ady }} >= 1 then {{ ady }} - 1 else {{ ady }} end)
{%- endmacro %}
