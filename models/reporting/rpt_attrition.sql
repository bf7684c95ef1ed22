{#-
    reporting.attrition: marts.attrition with small-cell suppression along the chain (SPEC 8).
    Each step's n_remaining is the previous n_remaining minus its n_excluded, so hiding one number
    is not enough: two shown neighbours give it back. Walking the steps of a dataset in order,
    with T = small_cell_threshold:
      A1  a step whose n_excluded or n_remaining is 1..T-1 opens a hidden run: its n_excluded and
          n_remaining are hidden;
      A2  while a run is open, every n_excluded is hidden and added to the run's total; the run
          closes at the first step whose n_remaining is not 1..T-1 and where the run's total of
          exclusions is at least T: that n_remaining is shown again (the shown totals before and
          after the run only give away a sum of at least T, never a single step's count);
      A3  a run still open at the last step hides every n_remaining to the end.
    A hidden count reads "<T" when it is itself 1..T-1, else "suppressed". Zero is shown.
-#}
{{ config(alias='attrition') }}
{%- set threshold = var('small_cell_threshold') | int -%}
{%- set small = threshold - 1 -%}

with recursive

attrition as (
    select * from {{ ref('attrition') }}
),

ordered as (
    select
        *,
        row_number() over (partition by dataset_id order by step) as step_order,
        coalesce(n_excluded, 0) as excluded,
        n_remaining between 1 and {{ small }} as remaining_is_small,
        coalesce(n_excluded, 0) between 1 and {{ small }} as excluded_is_small,
    from attrition
),

walk as (
    select
        dataset_id,
        step_order,
        remaining_is_small or excluded_is_small as hide_excluded,
        remaining_is_small or excluded_is_small as hide_remaining,
        case when remaining_is_small or excluded_is_small then excluded else 0 end as run_total,
    from ordered
    where step_order = 1
    union all
    select
        walk.dataset_id,
        next_step.step_order,
        walk.hide_remaining
            or next_step.remaining_is_small
            or next_step.excluded_is_small as hide_excluded,
        (walk.hide_remaining or next_step.remaining_is_small or next_step.excluded_is_small)
            and (
                next_step.remaining_is_small
                or (case when walk.hide_remaining then walk.run_total else 0 end)
                + next_step.excluded < {{ threshold }}
            ) as hide_remaining,
        case
            when walk.hide_remaining then walk.run_total + next_step.excluded
            when next_step.remaining_is_small or next_step.excluded_is_small
                then next_step.excluded
            else 0
        end as run_total,
    from walk
    inner join ordered as next_step
        on walk.dataset_id = next_step.dataset_id
        and next_step.step_order = walk.step_order + 1
),

final as (
    select
        ordered.dataset_id,
        ordered.step,
        ordered.step_order,
        ordered.description,
        walk.hide_remaining or walk.hide_excluded as is_suppressed,
        case when walk.hide_remaining then null else ordered.n_remaining end as n_remaining,
        case
            when ordered.remaining_is_small then '<{{ threshold }}'
            when walk.hide_remaining then 'suppressed'
            else cast(ordered.n_remaining as varchar)
        end as n_remaining_display,
        case when walk.hide_excluded then null else ordered.n_excluded end as n_excluded,
        case
            when ordered.n_excluded is null then null
            when ordered.excluded_is_small then '<{{ threshold }}'
            when walk.hide_excluded then 'suppressed'
            else cast(ordered.n_excluded as varchar)
        end as n_excluded_display,
    from ordered
    inner join walk
        on ordered.dataset_id = walk.dataset_id
        and ordered.step_order = walk.step_order
)

select * from final
