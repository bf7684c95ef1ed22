{#-
    reporting.response_rates: marts.response_rates with small-cell suppression (docs/privacy.md#small-cell-suppression).
    Rules (also in _reporting__models.yml and docs/reading-a-report.md), T = small_cell_threshold:
      R1, R2, D1  whether a row's n is hidden is decided once, with the cohort summary and the
          time course, in reporting.suppression_cells (small n; a small difference to the nri or
          locf n of the class; complementary); a hidden row hides every count, rate and CI;
      R3  responders (remitters) are hidden, with their rate and CI, when the count or n minus the
          count is 1..T-1 (n is shown, so either one gives the other away);
      R4  oc and nri count the same responders (nri only adds non-responders), so R3 hides an
          outcome in every analysis of that dataset, class, scale and timepoint.
    A hidden count reads "<T" when it is itself 1..T-1, else "suppressed". Zero is shown.
    Under the dataset's `none` policy nothing is small (macros/suppression.sql).
-#}
{{ config(alias='response_rates') }}

with

rates as (
    {{ with_suppression_policy(ref('response_rates')) }}
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
        {{ part_or_rest_is_small('n_responders', 'n') }} as responders_are_small,
        {{ part_or_rest_is_small('n_remitters', 'n') }} as remitters_are_small
    from rates
),

across_analyses as (
    select
        *,
        bool_or(responders_are_small) over cell as hide_responders_any_analysis,
        bool_or(remitters_are_small) over cell as hide_remitters_any_analysis
    from small_cells
    window cell as (partition by dataset_id, treatment_class, scale, timepoint)
),

decided as (
    select
        across_analyses.*,
        row_decisions.is_hidden as hide_row
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
        hide_row or hide_remitters_any_analysis as hide_remission
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
        {{ unless_hidden('flagged.n', 'flagged.hide_row') }} as n,
        {{ count_display('flagged.n', 'flagged.hide_row', 'flagged.suppression') }} as n_display,
{%- for outcome, count in [('response', 'n_responders'), ('remission', 'n_remitters')] %}
        {{ unless_hidden('flagged.' ~ count, 'flagged.hide_' ~ outcome) }} as {{ count }},
        {{ count_display('flagged.' ~ count, 'flagged.hide_' ~ outcome, 'flagged.suppression') }}
            as {{ count }}_display,
    {%- for column in ['rate', 'ci_low', 'ci_high'] %}
        {{ unless_hidden('flagged.' ~ outcome ~ '_' ~ column, 'flagged.hide_' ~ outcome) }}
            as {{ outcome }}_{{ column }}{{ ',' if not (loop.last and outcome == 'remission') }}
    {%- endfor %}
{%- endfor %}
    from flagged
    left join timepoints on flagged.timepoint = timepoints.timepoint
    left join classes on flagged.treatment_class = classes.treatment_class
)

select * from final
