{#-
    reporting.pooled_comparison_inputs: which trial, on which scale and analysis, went into each
    pooled comparison, with its random-effects weight (percent of the comparison's total
    weight: w* = 1 / (v + tau2), tau2 from marts.pooled_comparisons) and its effect (risk
    difference, or the natural log of the risk ratio, after the continuity correction) and
    variance: the rows of a forest plot's trial panel beside the pooled diamond. The
    dataset's own estimate and interval as reported per dataset are in
    reporting.response_comparisons (join on dataset_id, scale, timepoint, analysis, outcome,
    treatment_class). No counts. Effect and variance are hidden when that dataset's comparison
    is hidden in reporting.response_comparisons (docs/privacy.md#small-cell-suppression), and every weight of a comparison
    when one of its datasets is (the pooled row is hidden then too; the shown weights would
    give the hidden one away).
-#}
{{ config(alias='pooled_comparison_inputs') }}

with

inputs as (
    select * from {{ ref('pooled_comparison_inputs') }}
),

pooled as (
    select * from {{ ref('pooled_comparisons') }}
),

shown_comparisons as (
    select * from {{ ref('rpt_response_comparisons') }}
),

weighted as (
    select
        inputs.*,
        {{ random_effects_weight('inputs.variance', 'pooled.tau2') }}
            / sum({{ random_effects_weight('inputs.variance', 'pooled.tau2') }}) over (
                partition by
                    inputs.treatment_class,
                    inputs.reference_class,
                    inputs.outcome,
                    inputs.timepoint,
                    inputs.measure
            ) as weight_share,
        coalesce(shown_comparisons.is_suppressed, true) as hide,
        bool_or(coalesce(shown_comparisons.is_suppressed, true)) over (
            partition by
                inputs.treatment_class,
                inputs.reference_class,
                inputs.outcome,
                inputs.timepoint,
                inputs.measure
        ) as hide_pool
    from inputs
    inner join pooled
        on
            inputs.treatment_class = pooled.treatment_class
            and inputs.reference_class = pooled.reference_class
            and inputs.outcome = pooled.outcome
            and inputs.timepoint = pooled.timepoint
            and inputs.measure = pooled.measure
    left join shown_comparisons
        on
            inputs.dataset_id = shown_comparisons.dataset_id
            and inputs.scale = shown_comparisons.scale
            and inputs.timepoint = shown_comparisons.timepoint
            and inputs.analysis = shown_comparisons.analysis
            and inputs.outcome = shown_comparisons.outcome
            and inputs.treatment_class = shown_comparisons.treatment_class
            and inputs.reference_class = shown_comparisons.reference_class
),

final as (
    select
        treatment_class,
        reference_class,
        outcome,
        timepoint,
        measure,
        dataset_id,
        scale,
        analysis,
        continuity_correction > 0 as is_continuity_corrected,
        hide as is_suppressed,
        {{ unless_hidden('effect', 'hide') }} as effect,
        {{ unless_hidden('variance', 'hide') }} as variance,
        {{ unless_hidden('100 * weight_share', 'hide_pool') }} as weight_pct
    from weighted
)

select * from final
