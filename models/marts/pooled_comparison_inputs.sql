{#- What each trial dataset contributes to marts.pooled_comparisons (docs/outputs.md#marts): one row per
    treatment_class, reference_class, outcome, timepoint, measure and dataset, for the
    comparisons that at least 2 trial datasets have.

    A dataset contributes its primary analysis (response_rates.is_primary) and one scale: when it
    compares the same classes at the same timepoint on several scales, the one with the lowest
    pooling_preference in the seed `scales` (MADRS, HAMD17, QIDS-SR16, PHQ-9: clinician-rated
    first; docs/decisions.md), so no trial counts twice. Counts are the response_rates counts of
    the two classes; with a zero cell (x1, n1 - x1, x0 or n0 - x0) 0.5 is added to each of the
    four cells before the effect and its variance are computed, also where
    response_comparisons' risk ratio is null (a zero count): the dataset is pooled, not
    dropped. -#}

with comparisons as (
    select * from {{ ref('response_comparisons') }}
),

rates as (
    select * from {{ ref('response_rates') }}
    where source = 'trial' and is_primary
),

scales as (
    select * from {{ ref('scales') }}
),

pairs as (
    select
        comparisons.treatment_class,
        comparisons.reference_class,
        comparisons.outcome,
        comparisons.timepoint,
        comparisons.dataset_id,
        comparisons.scale,
        comparisons.analysis,
        case comparisons.outcome
            when 'response' then compared.n_responders
            else compared.n_remitters
        end as x1,
        compared.n as n1,
        case comparisons.outcome
            when 'response' then reference.n_responders
            else reference.n_remitters
        end as x0,
        reference.n as n0,
        scales.pooling_preference
    from comparisons
    inner join rates as compared
        on
            comparisons.dataset_id = compared.dataset_id
            and comparisons.scale = compared.scale
            and comparisons.timepoint = compared.timepoint
            and comparisons.analysis = compared.analysis
            and comparisons.treatment_class = compared.treatment_class
    inner join rates as reference
        on
            comparisons.dataset_id = reference.dataset_id
            and comparisons.scale = reference.scale
            and comparisons.timepoint = reference.timepoint
            and comparisons.analysis = reference.analysis
            and comparisons.reference_class = reference.treatment_class
    left join scales
        on comparisons.scale = scales.scale
),

one_scale_per_dataset as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by dataset_id, treatment_class, reference_class, outcome, timepoint
                order by pooling_preference, scale
            ) as scale_rank
        from pairs
    ) as ranked
    where scale_rank = 1
),

corrected as (
    select
        *,
        cast({{ continuity_correction('x1', 'n1', 'x0', 'n0') }} as decimal(2, 1)) as continuity_correction
    from one_scale_per_dataset
),

cells as (
    select
        *,
        x1 + continuity_correction as a1,
        n1 + 2 * continuity_correction as m1,
        x0 + continuity_correction as a0,
        n0 + 2 * continuity_correction as m0
    from corrected
),

by_measure as (
    select
        *,
        'risk_difference' as measure,
        {{ rd_effect('a1', 'm1', 'a0', 'm0') }} as effect,
        {{ rd_variance('a1', 'm1', 'a0', 'm0') }} as variance
    from cells
    union all
    select
        *,
        'risk_ratio' as measure,
        {{ log_rr_effect('a1', 'm1', 'a0', 'm0') }} as effect,
        {{ log_rr_variance('a1', 'm1', 'a0', 'm0') }} as variance
    from cells
),

counted as (
    select
        *,
        count(*) over (
            partition by treatment_class, reference_class, outcome, timepoint, measure
        ) as k
    from by_measure
),

final as (
    select
        treatment_class,
        reference_class,
        outcome,
        timepoint,
        measure,
        dataset_id,
        scale,
        analysis,
        x1,
        n1,
        x0,
        n0,
        continuity_correction,
        effect,
        variance,
        k
    from counted
    where k >= 2
)

select * from final
