{#-
    reporting.biomarker_change: marts.biomarker_change (marker baseline, follow-up and change by
    dataset, class, marker, timepoint and responder status) with small-cell suppression (docs/privacy.md#small-cell-suppression).
    A mean or median of a handful of patients is nearly their own values. T = small_cell_threshold:
      C1  a row whose n is 1..T-1 hides n and every statistic of the row;
      C2  complementary: responder and non_responder rows of one (dataset, class, marker,
          timepoint, scale) are hidden together when either is hidden by C1, or when the `all`
          row's n minus the two (the paired episodes without an observed score) is 1..T-1, since
          the shown counts would give that small count away.
    Under the dataset's `none` policy nothing is small (macros/suppression.sql).
-#}
{{ config(alias='biomarker_change') }}

with

changes as (
    {{ with_suppression_policy(ref('biomarker_change')) }}
),

timepoints as (
    select * from {{ ref('timepoints') }}
),

classes as (
    select * from {{ ref('treatment_classes') }}
),

markers as (
    select * from {{ ref('biomarkers') }}
),

pooled as (
    select
        dataset_id,
        treatment_class,
        marker,
        timepoint,
        n as n_all
    from changes
    where responder_status = 'all'
),

status_rows as (
    select
        changes.*,
        pooled.n_all - sum(changes.n) over pair as n_not_evaluable,
        bool_or({{ is_small('changes.n', 'changes.suppression') }}) over pair as pair_has_small
    from changes
    left join pooled
        on
            changes.dataset_id = pooled.dataset_id
            and changes.treatment_class = pooled.treatment_class
            and changes.marker = pooled.marker
            and changes.timepoint = pooled.timepoint
    where changes.responder_status <> 'all'
    window pair as (
        partition by
            changes.dataset_id,
            changes.treatment_class,
            changes.marker,
            changes.timepoint,
            changes.scale
    )
),

decided as (
    select
        *,
        {{ is_small('n') }} as hide
    from changes
    where responder_status = 'all'
    union all
    select
        * except (n_not_evaluable, pair_has_small),
        pair_has_small or {{ is_small('n_not_evaluable') }} as hide
    from status_rows
),

final as (
    select
        decided.source,
        decided.dataset_id,
        decided.treatment_class,
        decided.marker,
        markers.label as marker_label,
        decided.unit,
        decided.timepoint,
        decided.scale,
        decided.responder_status,
        timepoints.sort_order as timepoint_order,
        timepoints.target_day,
        classes.sort_order as class_order,
        markers.sort_order as marker_order,
        decided.hide as is_suppressed,
        {{ unless_hidden('decided.n', 'decided.hide') }} as n,
        {{ count_display('decided.n', 'decided.hide', 'decided.suppression') }} as n_display,
{%- for column in [
    'baseline_mean', 'baseline_median', 'followup_mean', 'followup_median', 'change_mean',
    'change_median', 'change_ci_low', 'change_ci_high',
] %}
        {{ unless_hidden('decided.' ~ column, 'decided.hide') }} as {{ column }}{{ ',' if not loop.last }}
{%- endfor %}
    from decided
    left join timepoints on decided.timepoint = timepoints.timepoint
    left join classes on decided.treatment_class = classes.treatment_class
    left join markers on decided.marker = markers.marker
)

select * from final
