{#-
    reporting.response_rates: marts.response_rates with small-cell suppression (SPEC 8).
    Rules (also in _reporting__models.yml and docs/reading-a-report.md), T = small_cell_threshold:
      R1, R2, D1  whether a row's n is hidden is decided once, with the cohort summary and the
          time course, in reporting.suppression_cells (small n; a small difference to the nri or
          locf n of the class; complementary); a hidden row hides every count, rate and CI;
      R3  responders (remitters) are hidden, with their rate and CI, when the count or n minus the
          count is 1..T-1 (n is shown, so either one gives the other away);
      R4  oc and nri count the same responders (nri only adds non-responders), so R3 hides an
          outcome in every analysis of that dataset, class, scale and timepoint.
    A hidden count reads "<T" when it is itself 1..T-1, else "suppressed". Zero is shown.
-#}
{{ config(alias='response_rates') }}
{%- set small = var('small_cell_threshold') | int - 1 -%}

with

rates as (
    select * from {{ ref('response_rates') }}
),

timepoints as (
    select * from {{ ref('timepoints') }}
),

classes as (
    select * from {{ ref('treatment_classes') }}
),

row_decisions as (
    select * from {{ ref('rpt_suppression_cells') }}
    where view_name = 'response_rates'
),

small_cells as (
    select
        *,
        n_responders between 1 and {{ small }}
            or n - n_responders between 1 and {{ small }} as responders_are_small,
        n_remitters between 1 and {{ small }}
            or n - n_remitters between 1 and {{ small }} as remitters_are_small,
    from rates
),

across_analyses as (
    select
        *,
        bool_or(responders_are_small) over cell as hide_responders_any_analysis,
        bool_or(remitters_are_small) over cell as hide_remitters_any_analysis,
    from small_cells
    window cell as (partition by dataset_id, treatment_class, scale, timepoint)
),

decided as (
    select
        across_analyses.*,
        row_decisions.is_hidden as hide_row,
    from across_analyses
    inner join row_decisions
        on across_analyses.dataset_id = row_decisions.dataset_id
        and across_analyses.treatment_class = row_decisions.treatment_class
        and across_analyses.scale = row_decisions.scale
        and across_analyses.timepoint = row_decisions.timepoint
        and across_analyses.analysis = row_decisions.analysis
),

flagged as (
    select
        *,
        hide_row or hide_responders_any_analysis as hide_response,
        hide_row or hide_remitters_any_analysis as hide_remission,
    from decided
),

final as (
    select
        flagged.source,
        flagged.dataset_id,
        flagged.treatment_class,
        flagged.scale,
        flagged.timepoint,
        flagged.analysis,
        flagged.is_primary,
        timepoints.sort_order as timepoint_order,
        classes.sort_order as class_order,
        flagged.hide_row as is_suppressed,
        flagged.hide_response as response_suppressed,
        flagged.hide_remission as remission_suppressed,
        case when flagged.hide_row then null else flagged.n end as n,
        case
            when flagged.n between 1 and {{ small }} then '<{{ small + 1 }}'
            when flagged.hide_row then 'suppressed'
            else cast(flagged.n as varchar)
        end as n_display,
        case when flagged.hide_response then null else flagged.n_responders end as n_responders,
        case
            when flagged.n_responders between 1 and {{ small }} then '<{{ small + 1 }}'
            when flagged.hide_response then 'suppressed'
            else cast(flagged.n_responders as varchar)
        end as n_responders_display,
        case when flagged.hide_response then null else flagged.response_rate end as response_rate,
        case when flagged.hide_response then null else flagged.response_ci_low end as response_ci_low,
        case when flagged.hide_response then null else flagged.response_ci_high end as response_ci_high,
        case when flagged.hide_remission then null else flagged.n_remitters end as n_remitters,
        case
            when flagged.n_remitters between 1 and {{ small }} then '<{{ small + 1 }}'
            when flagged.hide_remission then 'suppressed'
            else cast(flagged.n_remitters as varchar)
        end as n_remitters_display,
        case when flagged.hide_remission then null else flagged.remission_rate end as remission_rate,
        case when flagged.hide_remission then null else flagged.remission_ci_low end as remission_ci_low,
        case when flagged.hide_remission then null else flagged.remission_ci_high end as remission_ci_high,
    from flagged
    left join timepoints on flagged.timepoint = timepoints.timepoint
    left join classes on flagged.treatment_class = classes.treatment_class
)

select * from final
