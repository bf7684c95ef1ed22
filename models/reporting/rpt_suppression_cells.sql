{#-
    reporting.suppression_cells: ONE hiding decision for every denominator the reports show, so that
    no view gives away what another hides (docs/privacy.md#small-cell-suppression). The views read their row decision from here:
    reporting.cohort_summary (n_episodes per class), reporting.response_rates (n per class, scale,
    timepoint and analysis) and reporting.pct_change_timecourse (the observed-case n). Attrition
    keeps its own rules (reporting.attrition, A1 and A2) and is an input here.

    The numbers are nested within a class: episodes >= TRD episodes >= nri n (all with a baseline,
    the same at every timepoint) >= locf n >= oc n; and the classes add up to attrition counts
    (trial: episodes = step 3, TRD = step 4, nri n = step 5; registry: episodes = steps 6 and 7,
    nri n = step 8; registry totals are persons, so the equality is taken as a worst case). With
    T = small_cell_threshold and "small" = 1..T-1, in this order:
      R1/C1  a row whose own n is small is hidden;
      D1     a difference between two nested counts of one class is a count too (the episodes
             missing a score at the timepoint, or without a baseline): an oc n is hidden when the
             nri or locf n minus it is small, a locf n when the nri n minus it is small, and a
             cohort row when its episodes or TRD episodes minus an nri n of the class is small;
      R2/C2  complementary: when exactly one row of a group (a dataset's classes in the cohort; a
             dataset, scale, timepoint and analysis in the rates) is hidden by the rules above,
             the row with the next smallest n is hidden too, since the group total may be known;
      X1     when reporting.attrition hides a count that the cohort classes add up to (it hides
             counts above a small exclusion, rule A2) and no cohort row of the dataset is hidden
             yet, the smallest cohort row is hidden: the total stays unknown. The nri partition
             needs no such rule: it adds up to the last step, which reporting.attrition hides
             only when it is small (A1), and then every class's nri n, at most that count, is
             small or absent and already hidden by R1.
    All comparisons use the true counts, shown or not (simpler to verify, and never weaker). The
    view shows decisions only, never a count: everything in the reporting schema is suppressed.
    Under the dataset's `none` policy nothing is small (macros/suppression.sql).
-#}
{{ config(alias='suppression_cells') }}

with

episodes as (
    select * from {{ ref('cohort_episodes') }}
),

rates as (
    {{ with_suppression_policy(ref('response_rates')) }}
),

shown_attrition as (
    select * from {{ ref('rpt_attrition') }}
),

-- The attrition steps the cohort classes add up to (see the header).
partition_steps as (
    select * from (
        values
            ('trial', 3),
            ('trial', 4),
            ('registry', 6),
            ('registry', 7)
    ) as t (source, step)
),

hidden_totals as (
    select distinct shown_attrition.dataset_id
    from shown_attrition
    inner join partition_steps
        on shown_attrition.step = partition_steps.step
    inner join (select distinct dataset_id, source from episodes) as sources
        on shown_attrition.dataset_id = sources.dataset_id
        and sources.source = partition_steps.source
    where shown_attrition.n_remaining is null
),

nri_by_class as (
    select dataset_id, treatment_class, scale, max(n) as n_nri
    from rates
    where analysis = 'nri'
    group by dataset_id, treatment_class, scale
),

cohort_counts as (
    select
        dataset_id,
        treatment_class,
        count(*) as n_episodes,
        count(*) filter (where is_trd) as n_trd
    from episodes
    group by dataset_id, treatment_class
),

cohort as (
    {{ with_suppression_policy('cohort_counts') }}
),

cohort_own as (
    select
        cohort.dataset_id,
        cohort.treatment_class,
        cohort.n_episodes as n,
        {{ is_small('cohort.n_episodes', 'cohort.suppression') }} as is_small,
        coalesce(bool_or(
            {{ is_small('cohort.n_episodes - nri_by_class.n_nri', 'cohort.suppression') }}
            or {{ is_small('cohort.n_trd - nri_by_class.n_nri', 'cohort.suppression') }}
        ), false) as differs_by_small
    from cohort
    left join nri_by_class
        on cohort.dataset_id = nri_by_class.dataset_id
        and cohort.treatment_class = nri_by_class.treatment_class
    group by
        cohort.dataset_id,
        cohort.treatment_class,
        cohort.n_episodes,
        cohort.n_trd,
        cohort.suppression
),

rates_own as (
    select
        rates.dataset_id,
        rates.treatment_class,
        rates.scale,
        rates.timepoint,
        rates.analysis,
        rates.n,
        {{ is_small('rates.n', 'rates.suppression') }} as is_small,
        case rates.analysis
            when 'oc' then coalesce(
                {{ is_small('nri.n - rates.n', 'rates.suppression') }}
                or {{ is_small('locf.n - rates.n', 'rates.suppression') }},
                false
            )
            when 'locf' then coalesce(
                {{ is_small('nri.n - rates.n', 'rates.suppression') }}, false
            )
            else false
        end as differs_by_small
    from rates
    left join rates as nri
        on rates.dataset_id = nri.dataset_id
        and rates.treatment_class = nri.treatment_class
        and rates.scale = nri.scale
        and rates.timepoint = nri.timepoint
        and nri.analysis = 'nri'
    left join rates as locf
        on rates.dataset_id = locf.dataset_id
        and rates.treatment_class = locf.treatment_class
        and rates.scale = locf.scale
        and rates.timepoint = locf.timepoint
        and locf.analysis = 'locf'
),

cells as (
    select
        'cohort_summary' as view_name,
        dataset_id,
        treatment_class,
        cast(null as {{ dbt.type_string() }}) as scale,
        cast(null as {{ dbt.type_string() }}) as timepoint,
        cast(null as {{ dbt.type_string() }}) as analysis,
        dataset_id as group_key,
        n,
        is_small,
        differs_by_small
    from cohort_own
    union all
    select
        'response_rates' as view_name,
        dataset_id,
        treatment_class,
        scale,
        timepoint,
        analysis,
        concat_ws('|', dataset_id, scale, timepoint, analysis) as group_key,
        n,
        is_small,
        differs_by_small
    from rates_own
),

own_rules as (
    select
        *,
        is_small or differs_by_small as hidden_by_own,
        count(case when is_small or differs_by_small then 1 end) over grp as n_hidden_in_group,
        row_number() over (
            partition by view_name, group_key, is_small or differs_by_small
            order by n, treatment_class
        ) as size_rank
    from cells
    window grp as (partition by view_name, group_key)
),

complementary as (
    select
        *,
        hidden_by_own
            or (n_hidden_in_group = 1 and not hidden_by_own and size_rank = 1) as hidden_so_far
    from own_rules
),

-- X1: the cohort rows of a dataset are one partition (of attrition steps 3 and 4, or 5 and 6).
cohort_state as (
    select
        *,
        bool_or(hidden_so_far) over (partition by view_name, dataset_id) as dataset_has_hidden,
        row_number() over (
            partition by view_name, dataset_id order by n, treatment_class
        ) as dataset_rank
    from complementary
),

decided as (
    select
        cohort_state.*,
        cohort_state.hidden_so_far
            or (
                cohort_state.view_name = 'cohort_summary'
                and hidden_totals.dataset_id is not null
                and not cohort_state.dataset_has_hidden
                and cohort_state.dataset_rank = 1
            ) as is_hidden
    from cohort_state
    left join hidden_totals
        on cohort_state.dataset_id = hidden_totals.dataset_id
),

final as (
    select
        view_name,
        dataset_id,
        treatment_class,
        scale,
        timepoint,
        analysis,
        is_small,
        is_hidden,
        case
            when is_small then 'small'
            when differs_by_small then 'differs_by_small'
            when hidden_so_far then 'complementary'
            when is_hidden then 'hides_attrition_total'
        end as hidden_because
    from decided
)

select * from final
