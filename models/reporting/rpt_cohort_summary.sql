{#-
    reporting.cohort_summary: episodes by dataset, source and treatment class, with age and sex,
    from marts.cohort_episodes, with small-cell suppression (SPEC 8). T = small_cell_threshold:
      C1, D1, C2, X1  whether a class's row is hidden is decided once, with the rates, in
          reporting.suppression_cells (small count; a small difference to an nri n of the class;
          complementary; a partition of a hidden attrition total); a hidden row hides every number;
      C3  n_trd and n_female are hidden when the count or n_episodes minus the count is 1..T-1;
          n_trd is hidden in every class of the dataset when C3 hides it in a shown row, because
          the classes' TRD counts add up to an attrition count (trial step 4).
    Age is top-coded at 90 in the marts; only its mean and SD are shown (no minimum or maximum,
    which would be single persons' values).
-#}
{{ config(alias='cohort_summary') }}
{%- set small = var('small_cell_threshold') | int - 1 -%}

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
        stddev_samp(age) as age_sd,
    from episodes
    group by source, dataset_id, treatment_class
),

small_cells as (
    select
        *,
        n_episodes between 1 and {{ small }} as n_is_small,
        n_trd between 1 and {{ small }}
            or n_episodes - n_trd between 1 and {{ small }} as trd_is_small,
        n_female between 1 and {{ small }}
            or n_episodes - n_female between 1 and {{ small }} as female_is_small,
    from by_class
),

decided as (
    select
        small_cells.*,
        row_decisions.is_hidden as hide_row,
        bool_or(small_cells.trd_is_small and not row_decisions.is_hidden)
            over (partition by small_cells.dataset_id) as hide_trd_in_dataset,
    from small_cells
    inner join row_decisions
        on small_cells.dataset_id = row_decisions.dataset_id
        and small_cells.treatment_class = row_decisions.treatment_class
),

final as (
    select
        decided.source,
        decided.dataset_id,
        decided.treatment_class,
        classes.sort_order as class_order,
        decided.hide_row as is_suppressed,
        case when decided.hide_row then null else decided.n_episodes end as n_episodes,
        case
            when decided.n_is_small then '<{{ small + 1 }}'
            when decided.hide_row then 'suppressed'
            else cast(decided.n_episodes as varchar)
        end as n_episodes_display,
        case when decided.hide_row or decided.hide_trd_in_dataset then null else decided.n_trd end as n_trd,
        case
            when decided.n_trd between 1 and {{ small }} then '<{{ small + 1 }}'
            when decided.hide_row or decided.hide_trd_in_dataset then 'suppressed'
            else cast(decided.n_trd as varchar)
        end as n_trd_display,
        case
            when decided.hide_row or decided.female_is_small then null else decided.n_female
        end as n_female,
        case
            when decided.n_female between 1 and {{ small }} then '<{{ small + 1 }}'
            when decided.hide_row or decided.female_is_small then 'suppressed'
            else cast(decided.n_female as varchar)
        end as n_female_display,
        case
            when decided.hide_row or decided.female_is_small then null
            else decided.n_female / decided.n_episodes
        end as female_share,
        case when decided.hide_row then null else decided.age_mean end as age_mean,
        case when decided.hide_row then null else decided.age_sd end as age_sd,
    from decided
    left join classes on decided.treatment_class = classes.treatment_class
)

select * from final
