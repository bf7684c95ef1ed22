{#-
    reporting.attrition: marts.attrition with small-cell suppression along the chain (SPEC 8).
    Each step's n_remaining is the previous n_remaining minus its n_excluded, so hiding one number
    is not enough: two shown neighbours give it back. The last steps are what the results rest
    on (the classes of the cohort summary and the rates add up to them), so a small exclusion is
    protected by hiding the counts ABOVE it, never those below. With T = small_cell_threshold,
    "small" = 1..T-1, steps numbered 1..L in order (step_order):
      A1  down: from the first step s whose n_remaining is small, every n_remaining and every
          non-zero n_excluded of steps s..L is hidden (they are all at most n_s, so each is small
          or zero), e_s included, whatever its size: n_{s-1} is shown, and n_{s-1} = e_s + n_s
          has two hidden unknowns;
      A2  up: let m be the last step before s (any step when there is no such s) whose
          n_excluded is small. Every n_remaining of steps 1..m-1 and every non-zero n_excluded of
          steps 1..m is hidden; n_m and the steps after it are shown. No hidden count can be
          solved: each equation n_{k-1} = e_k + n_k of steps 1..m has two hidden terms or none
          known (n_1 is hidden too, and so is the provenance table's ADSL / PERSON row count).
    Where a hidden n_{k} is the total of a class partition (the cohort summary's classes), that
    partition hides a class (X1 in reporting.suppression_cells). Zero is shown: an exclusion of 0
    only says that two hidden counts are equal. A hidden count reads "<T" when it is itself
    small, else "suppressed".
-#}
{{ config(alias='attrition') }}
{%- set threshold = var('small_cell_threshold') | int -%}
{%- set small = threshold - 1 -%}

with

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

-- A1: the first step whose remaining count is small (null when none is).
small_tail as (
    select
        *,
        min(step_order) filter (where remaining_is_small)
            over (partition by dataset_id) as tail_start,
    from ordered
),

-- A2: the last small exclusion before the small tail (null when none is).
bounds as (
    select
        *,
        max(step_order) filter (
            where excluded_is_small and (tail_start is null or step_order < tail_start)
        ) over (partition by dataset_id) as top_end,
    from small_tail
),

decided as (
    select
        *,
        coalesce(step_order >= tail_start, false)
            or coalesce(step_order < top_end, false) as hide_remaining,
        excluded <> 0 and (
            coalesce(step_order >= tail_start, false) or coalesce(step_order <= top_end, false)
        ) as hide_excluded,
    from bounds
),

final as (
    select
        dataset_id,
        step,
        step_order,
        description,
        hide_remaining or hide_excluded as is_suppressed,
        case when hide_remaining then null else n_remaining end as n_remaining,
        case
            when remaining_is_small then '<{{ threshold }}'
            when hide_remaining then 'suppressed'
            else cast(n_remaining as varchar)
        end as n_remaining_display,
        case when hide_excluded then null else n_excluded end as n_excluded,
        case
            when n_excluded is null then null
            when excluded_is_small then '<{{ threshold }}'
            when hide_excluded then 'suppressed'
            else cast(n_excluded as varchar)
        end as n_excluded_display,
    from decided
)

select * from final
