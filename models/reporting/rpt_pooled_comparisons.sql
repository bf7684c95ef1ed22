{#-
    reporting.pooled_comparisons: marts.pooled_comparisons for reports (docs/outputs.md#marts and docs/privacy.md), with the
    report's sort orders. A pooled row carries no count but k (the number of trials), so it
    holds no small cell of its own; but with the other datasets' estimates shown, a pooled
    estimate, its interval, Q and tau2 would let a reader solve for a dataset's own estimate
    and variance. So a pooled row is hidden (estimate, bounds, tau2, i2 and q null;
    is_suppressed true) when the comparison any of its datasets contributes (same dataset,
    scale, timepoint, analysis, outcome and classes) is hidden, or missing, in
    reporting.response_comparisons. Trials default to `suppression: none`, under which nothing
    is hidden; `trd report --suppression cms` can hide a pooled row.
-#}
{{ config(alias='pooled_comparisons') }}

with

pooled as (
    select * from {{ ref('pooled_comparisons') }}
),

inputs as (
    select * from {{ ref('pooled_comparison_inputs') }}
),

shown_comparisons as (
    select * from {{ ref('rpt_response_comparisons') }}
),

timepoints as (
    select * from {{ ref('timepoints') }}
),

classes as (
    select * from {{ ref('treatment_classes') }}
),

visibility as (
    select
        inputs.treatment_class,
        inputs.reference_class,
        inputs.outcome,
        inputs.timepoint,
        inputs.measure,
        bool_or(coalesce(shown_comparisons.is_suppressed, true)) as any_dataset_hidden
    from inputs
    left join shown_comparisons
        on
            inputs.dataset_id = shown_comparisons.dataset_id
            and inputs.scale = shown_comparisons.scale
            and inputs.timepoint = shown_comparisons.timepoint
            and inputs.analysis = shown_comparisons.analysis
            and inputs.outcome = shown_comparisons.outcome
            and inputs.treatment_class = shown_comparisons.treatment_class
            and inputs.reference_class = shown_comparisons.reference_class
    group by
        inputs.treatment_class,
        inputs.reference_class,
        inputs.outcome,
        inputs.timepoint,
        inputs.measure
),

decided as (
    select
        pooled.*,
        coalesce(visibility.any_dataset_hidden, true) as hide
    from pooled
    left join visibility
        on
            pooled.treatment_class = visibility.treatment_class
            and pooled.reference_class = visibility.reference_class
            and pooled.outcome = visibility.outcome
            and pooled.timepoint = visibility.timepoint
            and pooled.measure = visibility.measure
),

final as (
    select
        decided.treatment_class,
        decided.reference_class,
        decided.outcome,
        decided.timepoint,
        decided.measure,
        decided.k,
        decided.dataset_ids,
        timepoints.sort_order as timepoint_order,
        classes.sort_order as class_order,
        reference_classes.sort_order as reference_order,
        decided.hide as is_suppressed,
{%- for column in ['estimate', 'ci_low', 'ci_high', 'pi_low', 'pi_high', 'tau2', 'i2', 'q'] %}
        {{ unless_hidden('decided.' ~ column, 'decided.hide') }} as {{ column }}
        {{- ',' if not loop.last }}
{%- endfor %}
    from decided
    left join timepoints on decided.timepoint = timepoints.timepoint
    left join classes on decided.treatment_class = classes.treatment_class
    left join classes as reference_classes
        on decided.reference_class = reference_classes.treatment_class
)

select * from final
