{#-
    reporting.adjusted_comparisons: marts.adjusted_comparisons for reports (docs/privacy.md), beside the
    crude comparison it adjusts (the crude columns come from reporting.response_comparisons,
    already suppressed). The adjusted estimates rest on exactly the episodes and outcome counts
    of the crude comparison, so they are hidden exactly when it is: an adjusted row is hidden
    (every estimate and count null, is_suppressed true) when reporting.response_comparisons
    hides the crude row or has none. A shown row's n_treated and n_reference are the crude
    rates' n, shown in reporting.response_rates too. Episodes outside the overlap show as a
    flag only; their counts, suppressed, are in reporting.propensity_overlap.
-#}
{{ config(alias='adjusted_comparisons') }}

with

mart as (
    -- typed here: a Python mart's columns take their types from its rows, so an empty
    -- marts.adjusted_comparisons has NULL-typed columns, which the contract would refuse
    select
        cast(comparison_id as bigint) as comparison_id,
        cast(dataset_id as string) as dataset_id,
        cast(scale as string) as scale,
        cast(timepoint as string) as timepoint,
        cast(analysis as string) as analysis,
        cast(outcome as string) as outcome,
        cast(treatment_class as string) as treatment_class,
        cast(reference_class as string) as reference_class,
        cast(n_treated as bigint) as n_treated,
        cast(n_reference as bigint) as n_reference,
        cast(ps_status as string) as ps_status,
        cast(is_imbalanced as boolean) as is_imbalanced,
{%- for column in ['weighted_rate_treated', 'weighted_rate_reference', 'risk_difference',
                   'risk_difference_ci_low', 'risk_difference_ci_high', 'risk_ratio',
                   'risk_ratio_ci_low', 'risk_ratio_ci_high', 'e_value', 'e_value_ci',
                   'max_abs_smd_before', 'max_abs_smd_after'] %}
        cast({{ column }} as double) as {{ column }}{{ ',' if not loop.last }}
{%- endfor %}
    from {{ ref('adjusted_comparisons') }}
),

adjusted as (
    {{ with_suppression_policy('mart') }}
),

crude as (
    select * from {{ ref('rpt_response_comparisons') }}
),

overlap as (
    select * from {{ ref('propensity_overlap') }}
),

joined as (
    select
        adjusted.*,
        crude.source,
        crude.is_primary,
        crude.timepoint_order,
        crude.class_order,
        crude.risk_difference as crude_risk_difference,
        crude.risk_difference_ci_low as crude_risk_difference_ci_low,
        crude.risk_difference_ci_high as crude_risk_difference_ci_high,
        crude.risk_ratio as crude_risk_ratio,
        crude.risk_ratio_ci_low as crude_risk_ratio_ci_low,
        crude.risk_ratio_ci_high as crude_risk_ratio_ci_high,
        overlap.n_treated_outside_overlap + overlap.n_reference_outside_overlap > 0
            as has_episodes_outside_overlap,
        coalesce(crude.is_suppressed, true) as hide
    from adjusted
    left join overlap on adjusted.comparison_id = overlap.comparison_id
    left join crude
        on adjusted.dataset_id = crude.dataset_id
        and adjusted.scale = crude.scale
        and adjusted.timepoint = crude.timepoint
        and adjusted.analysis = crude.analysis
        and adjusted.outcome = crude.outcome
        and adjusted.treatment_class = crude.treatment_class
),

final as (
    select
        source,
        dataset_id,
        scale,
        timepoint,
        analysis,
        is_primary,
        outcome,
        treatment_class,
        reference_class,
        timepoint_order,
        class_order,
        hide as is_suppressed,
        {{ unless_hidden('n_treated', 'hide') }} as n_treated,
        {{ count_display('n_treated', 'hide') }} as n_treated_display,
        {{ unless_hidden('n_reference', 'hide') }} as n_reference,
        {{ count_display('n_reference', 'hide') }} as n_reference_display,
{%- for column in ['risk_difference', 'risk_difference_ci_low', 'risk_difference_ci_high',
                   'risk_ratio', 'risk_ratio_ci_low', 'risk_ratio_ci_high'] %}
        crude_{{ column }},
{%- endfor %}
{%- for column in ['weighted_rate_treated', 'weighted_rate_reference', 'risk_difference',
                   'risk_difference_ci_low', 'risk_difference_ci_high', 'risk_ratio',
                   'risk_ratio_ci_low', 'risk_ratio_ci_high', 'e_value', 'e_value_ci',
                   'max_abs_smd_before', 'max_abs_smd_after'] %}
        {{ unless_hidden(column, 'hide') }} as {{ column }},
{%- endfor %}
        {{ unless_hidden('ps_status', 'hide') }} as ps_status,
        {{ unless_hidden('is_imbalanced', 'hide') }} as is_imbalanced,
        {{ unless_hidden('has_episodes_outside_overlap', 'hide') }} as has_episodes_outside_overlap
    from joined
)

select * from final
