{#- The trial baseline rule (docs/derivations.md#trial-baselines), written once for the models (int_trial__baselines) and the
    raw checks of ADQS (expectations/suites/trial.py renders these macros on the staged table):
    the ABLFL = 'Y' record; without one, the last record with ADY <= 1. Ties are broken
    deterministically: among several ABLFL records (a data error the raw checks report) and among
    fallback records the latest ADY wins, then the latest row of the file (`row_order`). -#}

{#- True for a record that may be the baseline. -#}
{% macro is_trial_baseline_candidate(is_ablfl, ady) -%}
    ({{ is_ablfl }} or {{ ady }} <= 1)
{%- endmacro %}


{#- The candidate's rank within `partition_by` (1 = the baseline). -#}
{% macro trial_baseline_rank(partition_by, is_ablfl, ady, row_order) -%}
    row_number() over (
        partition by {{ partition_by }}
        order by
            case when {{ is_ablfl }} then 0 else 1 end,
            {{ ady }} desc,
            {{ row_order }} desc
    )
{%- endmacro %}


{#- The registry baseline window (docs/derivations.md#registry-baselines): a record dated in [index - baseline_lookback_days,
    index] may be the baseline (the last such record is), for scores and biomarkers alike. -#}
{% macro is_registry_baseline_candidate(study_day) -%}
    ({{ study_day }} between -{{ var('baseline_lookback_days') }} and 0)
{%- endmacro %}
