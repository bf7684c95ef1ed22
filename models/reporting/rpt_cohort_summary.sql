{#-
    reporting.cohort_summary: episodes by dataset, source and treatment class, with age and sex
    from marts.cohort_episodes, with small-cell suppression (docs/privacy.md#small-cell-suppression). T = small_cell_threshold:
      C1, D1, C2, X1  whether a class's row is hidden is decided once, with the rates, in
          reporting.suppression_cells (small count; a small difference to an nri n of the class;
          complementary; a partition of a hidden attrition total); a hidden row hides every number;
      C3  n_trd and n_female are hidden when the count or n_episodes minus the count is 1..T-1;
          n_trd is hidden in every class of the dataset when C3 hides it in a shown row, because
          the classes' TRD counts add up to an attrition count (trial step 4).
    Age is top-coded at 90 in the marts; only its mean and SD are shown (no minimum or maximum,
    which would be single persons' values).
    Under the dataset's `none` policy nothing is small (macros/suppression.sql).
-#}
{{ config(alias='cohort_summary') }}

with

episodes as (
    select * from {{ ref('cohort_episodes') }}
),

classes as (
    select * from {{ ref('treatment_classes') }}
),

row_decisions as (
    select * from {{ ref('rpt_suppression_cells') }}
    where view_name = 'cohort_summary'
),

by_class as (
    select
        source,
        dataset_id,
        treatment_class,
        count(*) as n_episodes,
        count(*) filter (where is_trd) as n_trd,
        count(*) filter (where sex = 'F') as n_female,
        avg(age) as age_mean,
        stddev_samp(age) as age_sd
    from episodes
    group by source, dataset_id, treatment_class
),

by_class_with_policy as (
    {{ with_suppression_policy('by_class') }}
),

small_cells as (
    select
        *,
        {{ part_or_rest_is_small('n_trd', 'n_episodes') }} as trd_is_small,
        {{ part_or_rest_is_small('n_female', 'n_episodes') }} as female_is_small
    from by_class_with_policy
),

decided as (
    select
        small_cells.*,
        row_decisions.is_hidden as hide_row,
        bool_or(small_cells.trd_is_small and not row_decisions.is_hidden)
            over (partition by small_cells.dataset_id) as hide_trd_in_dataset
    from small_cells
    inner join row_decisions
        on small_cells.dataset_id = row_decisions.dataset_id
        and small_cells.treatment_class = row_decisions.treatment_class
),

flagged as (
    select
        *,
        hide_row or hide_trd_in_dataset as hide_trd,
        hide_row or female_is_small as hide_female
    from decided
),

final as (
    select
        flagged.source,
        flagged.dataset_id,
        flagged.treatment_class,
        classes.sort_order as class_order,
        flagged.hide_row as is_suppressed,
        {{ unless_hidden('flagged.n_episodes', 'flagged.hide_row') }} as n_episodes,
        {{ count_display('flagged.n_episodes', 'flagged.hide_row', 'flagged.suppression') }}
            as n_episodes_display,
        {{ unless_hidden('flagged.n_trd', 'flagged.hide_trd') }} as n_trd,
        {{ count_display('flagged.n_trd', 'flagged.hide_trd', 'flagged.suppression') }}
            as n_trd_display,
        {{ unless_hidden('flagged.n_female', 'flagged.hide_female') }} as n_female,
        {{ count_display('flagged.n_female', 'flagged.hide_female', 'flagged.suppression') }}
            as n_female_display,
        {{ unless_hidden('flagged.n_female / flagged.n_episodes', 'flagged.hide_female') }}
            as female_share,
        {{ unless_hidden('flagged.age_mean', 'flagged.hide_row') }} as age_mean,
        {{ unless_hidden('flagged.age_sd', 'flagged.hide_row') }} as age_sd
    from flagged
    left join classes on flagged.treatment_class = classes.treatment_class
)

select * from final
