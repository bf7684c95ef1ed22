{#- Trial day after index from ADaM ADY (docs/derivations.md#day-after-index): ADY - 1 for ADY >= 1, ADY itself for ADY < 0
    (CDISC has no day 0, so day 1 is the index day and day -1 the day before). Written once for
    every ADaM table that needs it (int_trial__scored_records for ADQS, int_biomarkers__records
    for ADLB). -#}
{% macro trial_study_day(ady) -%}
    (case when {{ ady }} >= 1 then {{ ady }} - 1 else {{ ady }} end)
{%- endmacro %}
