{#-
    reporting.attrition: marts.attrition with small-cell suppression along the chain (docs/privacy.md#small-cell-suppression).
    Each step's n_remaining is the previous n_remaining minus its n_excluded, so hiding one number
    is not enough: two shown neighbours give it back. The last steps are what the results rest
    on (the classes of the cohort summary and the rates add up to them), so a small exclusion is
    protected by hiding the counts ABOVE it, never those below. With T = small_cell_threshold,
    "small" = 1..T-1, steps numbered 1..L in order (step_order):
      A0  a small n_excluded is hidden.
      A1  down: from the first step s whose n_remaining is small, every n_remaining of steps
          s..L is hidden, and e_s whatever its size (every later count is at most n_s, so small
          or zero): the shown n_{s-1} = e_s + n_s has two hidden terms.
      A2  up: let m be the last step before s (any step when there is no such s) whose
          n_excluded is small. Every n_remaining of steps 1..m-1 is hidden; n_m and the steps
          after it are shown. Exclusions above m that are not small stay shown: the hidden
          counts of steps 1..m then move together with e_m (n_k = n_m + e_m + the exclusions of
          steps k+1..m-1, for k < m), so none of them is determined by the shown numbers, as
          long as nothing else gives one of them: the provenance table's ADSL / PERSON row
          count is n_1 (the report hides it with n_1), and the cohort classes add up to trial
          steps 3 and 4 and registry steps 6 and 7 (X1 in reporting.suppression_cells).
    Zero is shown. A hidden count reads "<T" when it is itself small, else "suppressed".
    "Small" follows the dataset's policy (macros/suppression.sql): under `none` nothing is.
-#}
{{ config(alias='attrition') }}

with

attrition as (
    {{ with_suppression_policy(ref('attrition')) }}
),

ordered as (
    select
        *,
        cast(row_number() over (partition by dataset_id order by step) as {{ dbt.type_bigint() }}) as step_order,
        coalesce(n_excluded, 0) as excluded,
        {{ is_small('n_remaining') }} as remaining_is_small,
        {{ is_small('coalesce(n_excluded, 0)') }} as excluded_is_small
    from attrition
),

-- A1: the first step whose remaining count is small (null when none is).
small_tail as (
    select
        *,
        -- (Spark has no FILTER on window aggregates: a CASE inside instead)
        min(case when remaining_is_small then step_order end)
            over (partition by dataset_id) as tail_start
    from ordered
),

-- A2: the last small exclusion before the small tail (null when none is).
bounds as (
    select
        *,
        max(case
            when excluded_is_small and (tail_start is null or step_order < tail_start)
                then step_order
        end) over (partition by dataset_id) as top_end
    from small_tail
),

decided as (
    select
        *,
        coalesce(step_order >= tail_start, false)
            or coalesce(step_order < top_end, false) as hide_remaining,
        excluded_is_small
            or (excluded <> 0 and coalesce(step_order = tail_start, false)) as hide_excluded
    from bounds
),

final as (
    select
        dataset_id,
        step,
        cast(step_order as bigint) as step_order,  -- row_number() is int on Spark
        description,
        hide_remaining or hide_excluded as is_suppressed,
        {{ unless_hidden('n_remaining', 'hide_remaining') }} as n_remaining,
        {{ count_display('n_remaining', 'hide_remaining') }} as n_remaining_display,
        {{ unless_hidden('n_excluded', 'hide_excluded') }} as n_excluded,
        {{ unless_hidden(count_display('n_excluded', 'hide_excluded'), 'n_excluded is null') }}
            as n_excluded_display
    from decided
)

select * from final
