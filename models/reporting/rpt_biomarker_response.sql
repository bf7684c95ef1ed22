{#-
    reporting.biomarker_response: marts.biomarker_response with small-cell suppression (docs/privacy.md#small-cell-suppression),
    the rules of reporting.response_rates carried over to strata. T = small_cell_threshold:
      B1  a row whose n is 1..T-1 hides every count, rate and CI of the row;
      D1  as in reporting.suppression_cells, a difference between nested counts is a count too:
          within a stratum, the oc row is hidden when the nri or locf n minus it is small, the
          locf row when the nri n minus it is small; and both strata of a class are hidden when
          the class's n in reporting.response_rates minus the two strata's n (episodes without a
          baseline of the marker) is small;
      B2  complementary across strata: the low and high strata of a class split the class's row
          in reporting.response_rates (exactly, when every episode has the marker), so when one
          stratum is hidden by B1 or D1 the other is hidden too; and a stratum is hidden whenever
          the class's own row there is hidden, since the two strata would add up to it;
      B3  responders (remitters) are hidden, with rate and CI, when the count or n minus the count
          is 1..T-1 in this stratum or in the other stratum of the class, or when the class's
          response (remission) is hidden in reporting.response_rates;
      B4  as R4: an outcome hidden in one analysis is hidden in every analysis of the same
          dataset, class, scale, timepoint, stratifier and stratum.
    A hidden count reads "<T" when it is itself 1..T-1, else "suppressed". Zero is shown.
    Under the dataset's `none` policy nothing is small (macros/suppression.sql).
-#}
{{ config(alias='biomarker_response') }}

with

rates as (
    {{ with_suppression_policy(ref('biomarker_response')) }}
),

class_rows as (
    select * from {{ ref('rpt_response_rates') }}
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

small_cells as (
    select
        rates.*,
        {{ is_small('rates.n', 'rates.suppression') }} as n_is_small,
        {{ part_or_rest_is_small('rates.n_responders', 'rates.n', 'rates.suppression') }}
            as responders_are_small,
        {{ part_or_rest_is_small('rates.n_remitters', 'rates.n', 'rates.suppression') }}
            as remitters_are_small,
        max(case when rates.analysis = 'nri' then rates.n end) over stratum as n_nri,
        max(case when rates.analysis = 'locf' then rates.n end) over stratum as n_locf,
        -- the class's n is shown whenever it matters: a hidden class row hides its strata (B2)
        class_rows.n - sum(rates.n) over pair as n_without_marker
    from rates
    left join class_rows
        on
            rates.dataset_id = class_rows.dataset_id
            and rates.treatment_class = class_rows.treatment_class
            and rates.scale = class_rows.scale
            and rates.timepoint = class_rows.timepoint
            and rates.analysis = class_rows.analysis
    window
        stratum as (
            partition by
                rates.dataset_id,
                rates.treatment_class,
                rates.scale,
                rates.timepoint,
                rates.stratifier,
                rates.stratum
        ),
        pair as (
            partition by
                rates.dataset_id,
                rates.treatment_class,
                rates.scale,
                rates.timepoint,
                rates.analysis,
                rates.stratifier
        )
),

nested as (
    select
        *,
        n_is_small
            or {{ is_small('n_without_marker') }}
            or (analysis = 'oc' and {{ is_small('n_nri - n') }})
            or (analysis = 'oc' and {{ is_small('n_locf - n') }})
            or (analysis = 'locf' and {{ is_small('n_nri - n') }}) as row_is_small
    from small_cells
),

across_strata as (
    select
        *,
        bool_or(row_is_small) over pair as n_small_in_pair,
        bool_or(responders_are_small) over pair as responders_small_in_pair,
        bool_or(remitters_are_small) over pair as remitters_small_in_pair
    from nested
    window pair as (
        partition by dataset_id, treatment_class, scale, timepoint, analysis, stratifier
    )
),

across_analyses as (
    select
        *,
        bool_or(responders_small_in_pair) over cell as responders_small_any_analysis,
        bool_or(remitters_small_in_pair) over cell as remitters_small_any_analysis
    from across_strata
    window cell as (partition by dataset_id, treatment_class, scale, timepoint, stratifier)
),

flagged as (
    select
        across_analyses.*,
        across_analyses.n_small_in_pair
            or coalesce(class_rows.is_suppressed, true) as hide_row,
        across_analyses.n_small_in_pair
            or coalesce(class_rows.is_suppressed, true)
            or across_analyses.responders_small_any_analysis
            or coalesce(class_rows.response_suppressed, true) as hide_response,
        across_analyses.n_small_in_pair
            or coalesce(class_rows.is_suppressed, true)
            or across_analyses.remitters_small_any_analysis
            or coalesce(class_rows.remission_suppressed, true) as hide_remission
    from across_analyses
    left join class_rows
        on
            across_analyses.dataset_id = class_rows.dataset_id
            and across_analyses.treatment_class = class_rows.treatment_class
            and across_analyses.scale = class_rows.scale
            and across_analyses.timepoint = class_rows.timepoint
            and across_analyses.analysis = class_rows.analysis
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
        flagged.stratifier,
        markers.label as stratifier_label,
        markers.standard_unit as stratifier_unit,
        flagged.stratum,
        flagged.cutoff,
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
    left join markers on flagged.stratifier = markers.marker
)

select * from final
