{#-
    reporting.pct_change_timecourse: marts.agg_pct_change (mean percent change from baseline by
    dataset, class, scale and timepoint, observed cases) for the time-course chart (SPEC 8, 9).
    A mean of a handful of patients is nearly their own values, so, with T = small_cell_threshold:
      P1  a point whose n is 1..T-1 hides n and every statistic of the point;
      P2  complementary: when exactly one class of a (dataset, scale, timepoint) is hidden by P1,
          the class with the next smallest n is hidden too (the same rule as R2 in
          reporting.response_rates, whose observed-case denominators are these n).
-#}
{{ config(alias='pct_change_timecourse') }}
{%- set small = var('small_cell_threshold') | int - 1 -%}

with

points as (
    select * from {{ ref('agg_pct_change') }}
),

timepoints as (
    select * from {{ ref('timepoints') }}
),

classes as (
    select * from {{ ref('treatment_classes') }}
),

complementary as (
    select
        *,
        n between 1 and {{ small }} as n_is_small,
        count(*) filter (where n between 1 and {{ small }}) over grp as n_small_rows_in_group,
        row_number() over (
            partition by dataset_id, scale, timepoint, n between 1 and {{ small }}
            order by n, treatment_class
        ) as size_rank,
    from points
    window grp as (partition by dataset_id, scale, timepoint)
),

decided as (
    select
        *,
        n_is_small
            or (n_small_rows_in_group = 1 and not n_is_small and size_rank = 1) as hide,
    from complementary
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
        case when decided.hide then null else decided.n end as n,
        case
            when decided.n_is_small then '<{{ small + 1 }}'
            when decided.hide then 'suppressed'
            else cast(decided.n as varchar)
        end as n_display,
        case when decided.hide then null else decided.mean_pct_change end as mean_pct_change,
        case when decided.hide then null else decided.ci_low end as ci_low,
        case when decided.hide then null else decided.ci_high end as ci_high,
    from decided
    left join timepoints on decided.timepoint = timepoints.timepoint
    left join classes on decided.treatment_class = classes.treatment_class
)

select * from final
