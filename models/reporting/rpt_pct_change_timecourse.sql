{#-
    reporting.pct_change_timecourse: marts.agg_pct_change (mean percent change from baseline by
    dataset, class, scale and timepoint, observed cases) for the time-course chart (docs/privacy.md and docs/reading-a-report.md).
    Its n is the observed-case n of reporting.response_rates (TRD episodes with a usable baseline
    and a score at the timepoint), so a point shows exactly when that oc row does:
      P1  a point is hidden, n with the mean and its CI, when reporting.suppression_cells hides
          the oc row of the same dataset, class, scale and timepoint (rules R1, D1, R2 there); a
          point without such a row (not expected) is hidden when its n is 1..T-1.
    A mean of a handful of patients is nearly their own values, hence P1.
    Under the dataset's `none` policy nothing is small (macros/suppression.sql).
-#}
{{ config(alias='pct_change_timecourse') }}

with

points as (
    {{ with_suppression_policy(ref('agg_pct_change')) }}
),

timepoints as (
    select * from {{ ref('timepoints') }}
),

classes as (
    select * from {{ ref('treatment_classes') }}
),

oc_decisions as (
    select * from {{ ref('rpt_suppression_cells') }}
    where view_name = 'response_rates' and analysis = 'oc'
),

decided as (
    select
        points.*,
        coalesce(
            oc_decisions.is_hidden, {{ is_small('points.n', 'points.suppression') }}
        ) as hide
    from points
    left join oc_decisions
        on points.dataset_id = oc_decisions.dataset_id
        and points.treatment_class = oc_decisions.treatment_class
        and points.scale = oc_decisions.scale
        and points.timepoint = oc_decisions.timepoint
),

final as (
    select
        decided.source,
        decided.dataset_id,
        decided.treatment_class,
        decided.scale,
        decided.timepoint,
        timepoints.sort_order as timepoint_order,
        timepoints.target_day,
        classes.sort_order as class_order,
        decided.hide as is_suppressed,
        {{ unless_hidden('decided.n', 'decided.hide') }} as n,
        {{ count_display('decided.n', 'decided.hide', 'decided.suppression') }} as n_display,
        {{ unless_hidden('decided.mean_pct_change', 'decided.hide') }} as mean_pct_change,
        {{ unless_hidden('decided.ci_low', 'decided.hide') }} as ci_low,
        {{ unless_hidden('decided.ci_high', 'decided.hide') }} as ci_high
    from decided
    left join timepoints on decided.timepoint = timepoints.timepoint
    left join classes on decided.treatment_class = classes.treatment_class
)

select * from final
