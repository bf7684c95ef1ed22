{#-
    reporting.response_comparisons: marts.response_comparisons with small-cell suppression (docs/privacy.md#small-cell-suppression).
    A comparison is hidden (every estimate null, is_suppressed true) when its outcome is hidden in
    reporting.response_rates for the class or for its reference (same dataset, scale, timepoint and
    analysis), or when either row is missing there: a risk difference next to one shown rate would
    give the hidden rate away.
-#}
{{ config(alias='response_comparisons') }}

with

comparisons as (
    select * from {{ ref('response_comparisons') }}
),

shown_rates as (
    select * from {{ ref('rpt_response_rates') }}
),

outcome_visibility as (
    select
        dataset_id,
        source,
        scale,
        timepoint,
        analysis,
        treatment_class,
        is_primary,
        timepoint_order,
        class_order,
        'response' as outcome,
        response_suppressed as outcome_suppressed
    from shown_rates
    union all
    select
        dataset_id,
        source,
        scale,
        timepoint,
        analysis,
        treatment_class,
        is_primary,
        timepoint_order,
        class_order,
        'remission' as outcome,
        remission_suppressed as outcome_suppressed
    from shown_rates
),

joined as (
    select
        comparisons.*,
        treated.source,
        treated.is_primary,
        treated.timepoint_order,
        treated.class_order,
        {{ either_arm_hidden('outcome_suppressed') }} as hide
    from comparisons
    {{ join_both_arms(
        'comparisons',
        'outcome_visibility',
        ['dataset_id', 'scale', 'timepoint', 'analysis', 'outcome'],
    ) }}
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
        case when hide then null else risk_difference end as risk_difference,
        case when hide then null else risk_difference_ci_low end as risk_difference_ci_low,
        case when hide then null else risk_difference_ci_high end as risk_difference_ci_high,
        case when hide then null else risk_ratio end as risk_ratio,
        case when hide then null else risk_ratio_ci_low end as risk_ratio_ci_low,
        case when hide then null else risk_ratio_ci_high end as risk_ratio_ci_high
    from joined
)

select * from final
