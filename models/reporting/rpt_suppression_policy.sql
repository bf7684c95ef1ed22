{#-
    reporting.suppression_policy: the small-cell threshold the reporting views were built with, so
    that a report's captions state the rule that was actually applied (dbt --vars can change it).
-#}
{{ config(alias='suppression_policy') }}
{%- set threshold = var('small_cell_threshold') | int -%}

with

final as (
    select
        {{ threshold }} as small_cell_threshold,
        '<{{ threshold }}' as small_cell_label,
        'Counts from 1 to {{ threshold - 1 }} are shown as "<{{ threshold }}" with their rates '
        || 'and confidence intervals hidden; further counts are hidden ("suppressed") where a '
        || 'small count could otherwise be worked out from totals, neighbouring numbers or '
        || 'another table of the report. Zero is shown.' as rule,
)

select * from final
