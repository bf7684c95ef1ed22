{#- The population of every adjusted comparison: for each registry comparison of
    marts.response_comparisons (a class against its dataset's reference class, same scale,
    timepoint and analysis), the episodes of either class that the analysis counts, with the
    outcome flags it counts and the covariates of the propensity model. The denominators are
    exactly those of marts.response_rates (the macro rows_per_analysis: oc, nri, locf), so the
    adjusted and crude estimates rest on the same episodes; an episode without a usable
    baseline is in neither. One row per comparison and episode. -#}

with outcomes as (
    select * from {{ ref('episode_outcomes') }}
    where source = 'registry' and is_trd
),

by_analysis as (
    {{ rows_per_analysis('outcomes') }}
),

counted as (
    select * from by_analysis
    where is_evaluable
),

comparisons as (
    select distinct
        dataset_id,
        scale,
        timepoint,
        analysis,
        treatment_class,
        reference_class
    from {{ ref('response_comparisons') }}
),

covariates as (
    select * from {{ ref('int_registry__covariates') }}
),

final as (
    select
        comparisons.dataset_id,
        comparisons.scale,
        comparisons.timepoint,
        comparisons.analysis,
        comparisons.treatment_class,
        comparisons.reference_class,
        counted.person_key,
        counted.treatment_class = comparisons.treatment_class as is_treated,
        counted.is_responder,
        counted.is_remitter,
        covariates.age,
        covariates.female,
        counted.baseline,
        covariates.prior_adequate_trials,
        covariates.prior_observation_days,
        covariates.index_year,
        covariates.prior_augmentation,
        covariates.prior_ect,
        covariates.mdd_recurrent
    from comparisons
    inner join counted
        on comparisons.dataset_id = counted.dataset_id
        and comparisons.scale = counted.scale
        and comparisons.timepoint = counted.timepoint
        and comparisons.analysis = counted.analysis
        and counted.treatment_class in (comparisons.treatment_class, comparisons.reference_class)
    inner join covariates
        on counted.dataset_id = covariates.dataset_id
        and counted.person_key = covariates.person_key
        and counted.treatment_class = covariates.treatment_class
)

select * from final
