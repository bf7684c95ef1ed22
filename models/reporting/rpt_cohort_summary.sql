{#-
    reporting.cohort_summary: episodes by dataset, source and treatment class, with age and sex,
    from marts.cohort_episodes, with small-cell suppression (SPEC 8). T = small_cell_threshold:
      C1  a class whose episode count is 1..T-1 hides every number of its row;
      C2  complementary: when exactly one class of a dataset is hidden by C1, the class with the
          next smallest count is hidden too (the dataset's total is in reporting.attrition);
      C3  n_trd and n_female are hidden when the count or n_episodes minus the count is 1..T-1.
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

complementary as (
    select
        *,
        count(*) filter (where n_is_small) over (partition by dataset_id) as n_small_rows_in_dataset,
        row_number() over (
            partition by dataset_id, n_is_small order by n_episodes, treatment_class
        ) as size_rank,
    from small_cells
),

decided as (
    select
        *,
        n_is_small
            or (n_small_rows_in_dataset = 1 and not n_is_small and size_rank = 1) as hide_row,
    from complementary
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
        case when decided.hide_row or decided.trd_is_small then null else decided.n_trd end as n_trd,
        case
            when decided.n_trd between 1 and {{ small }} then '<{{ small + 1 }}'
            when decided.hide_row or decided.trd_is_small then 'suppressed'
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
