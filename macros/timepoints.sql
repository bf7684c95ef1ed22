{#- Whether a record counts for a timepoint (docs/derivations.md#timepoint-windows), written
    once for the scores
    (int_outcomes__timepoints) and the biomarkers (int_biomarkers__timepoints): in a dataset with
    a `visits` map, the records whose AVISIT maps to the timepoint; otherwise the records whose
    study day lies in the timepoint's inclusive window. `record` names a relation with
    `visit_timepoint` and `study_day`, `timepoint` one with `timepoint`, `window_start` and
    `window_end` (seed timepoints); `uses_visit_map` is an SQL boolean. -#}
{% macro in_timepoint_window(record, timepoint, uses_visit_map) -%}
    (
        ({{ uses_visit_map }} and {{ record }}.visit_timepoint = {{ timepoint }}.timepoint)
        or (
            not {{ uses_visit_map }}
            and {{ record }}.study_day between {{ timepoint }}.window_start and {{ timepoint }}.window_end
        )
    )
{%- endmacro %}
