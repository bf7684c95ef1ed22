{#- marts.biomarker_interactions: does inflammation modify a class's effect? For each class
    against its dataset's reference class (int_dataset_settings), scale, timepoint, analysis,
    outcome and stratifier: the risk difference (Newcombe hybrid score interval) within the low
    and within the high stratum of biomarker_response, and the interaction = RD(high) - RD(low)
    with the MOVER interval (macro mover_difference_*: Zou & Donner 2008) built from the two
    Newcombe intervals, which are independent because the strata are disjoint. A row needs all
    four rates (class and reference, low and high). -#}

with rates as (
    select * from {{ ref('biomarker_response') }}
),

settings as (
    select distinct
        dataset_id,
        reference_class
    from {{ ref('int_dataset_settings') }}
),

by_outcome as (
    select
        source,
        dataset_id,
        treatment_class,
        scale,
        timepoint,
        analysis,
        is_primary,
        stratifier,
        stratum,
        cutoff,
        'response' as outcome,
        n_responders as x,
        n
    from rates
    union all
    select
        source,
        dataset_id,
        treatment_class,
        scale,
        timepoint,
        analysis,
        is_primary,
        stratifier,
        stratum,
        cutoff,
        'remission' as outcome,
        n_remitters as x,
        n
    from rates
),

stratum_differences as (
    select
        compared.source,
        compared.dataset_id,
        compared.scale,
        compared.timepoint,
        compared.analysis,
        compared.is_primary,
        compared.outcome,
        compared.stratifier,
        compared.cutoff,
        compared.stratum,
        compared.treatment_class,
        reference.treatment_class as reference_class,
        {{ risk_difference('compared.x', 'compared.n', 'reference.x', 'reference.n') }} as rd,
        {{ newcombe_rd_low('compared.x', 'compared.n', 'reference.x', 'reference.n') }}
            as rd_low,
        {{ newcombe_rd_high('compared.x', 'compared.n', 'reference.x', 'reference.n') }}
            as rd_high
    from by_outcome as compared
    inner join settings
        on compared.dataset_id = settings.dataset_id
    inner join by_outcome as reference
        on
            compared.dataset_id = reference.dataset_id
            and compared.scale = reference.scale
            and compared.timepoint = reference.timepoint
            and compared.analysis = reference.analysis
            and compared.outcome = reference.outcome
            and compared.stratifier = reference.stratifier
            and compared.stratum = reference.stratum
            and reference.treatment_class = settings.reference_class
    where compared.treatment_class <> settings.reference_class
),

paired as (
    select
        high.source,
        high.dataset_id,
        high.scale,
        high.timepoint,
        high.analysis,
        high.is_primary,
        high.outcome,
        high.stratifier,
        high.cutoff,
        high.treatment_class,
        high.reference_class,
        low.rd as rd_low_stratum,
        low.rd_low as rd_low_stratum_ci_low,
        low.rd_high as rd_low_stratum_ci_high,
        high.rd as rd_high_stratum,
        high.rd_low as rd_high_stratum_ci_low,
        high.rd_high as rd_high_stratum_ci_high
    from stratum_differences as high
    inner join stratum_differences as low
        on
            high.dataset_id = low.dataset_id
            and high.scale = low.scale
            and high.timepoint = low.timepoint
            and high.analysis = low.analysis
            and high.outcome = low.outcome
            and high.stratifier = low.stratifier
            and high.treatment_class = low.treatment_class
            and low.stratum = 'low'
    where high.stratum = 'high'
),

final as (
    select
        *,
        rd_high_stratum - rd_low_stratum as interaction,
        {{ mover_difference_low(
            'rd_high_stratum', 'rd_high_stratum_ci_low', 'rd_low_stratum', 'rd_low_stratum_ci_high'
        ) }} as interaction_ci_low,
        {{ mover_difference_high(
            'rd_high_stratum', 'rd_high_stratum_ci_high', 'rd_low_stratum', 'rd_low_stratum_ci_low'
        ) }} as interaction_ci_high
    from paired
)

select * from final
