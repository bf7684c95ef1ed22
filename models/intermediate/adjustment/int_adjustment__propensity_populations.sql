{#- The population of every propensity model (int_adjustment__comparisons.model_id: one per
    registry dataset, scale and class against the reference class): the TRD episodes of the
    two classes with a usable baseline on the scale, i.e. the NRI denominator, the widest
    population any of its comparisons analyses (every oc and locf population is a subset, and
    the NRI population is the same at every timepoint). With the covariates of the model; the
    baseline is the scale's. One row per model and episode, numbered by model_row in model,
    person and class order: the order the propensity package reads them in (determinism), and
    the key its scores are joined on. -#}

with models as (
    select distinct
        model_id,
        dataset_id,
        scale,
        treatment_class,
        reference_class
    from {{ ref('int_adjustment__comparisons') }}
),

baselines as (
    select distinct
        dataset_id,
        person_key,
        treatment_class,
        scale,
        baseline
    from {{ ref('episode_outcomes') }}
    where source = 'registry' and is_trd and evaluable_nri
),

covariates as (
    select * from {{ ref('int_registry__covariates') }}
),

joined as (
    select
        models.model_id,
        models.dataset_id,
        models.scale,
        models.treatment_class,
        models.reference_class,
        baselines.person_key,
        baselines.treatment_class = models.treatment_class as is_treated,
        covariates.age,
        covariates.female,
        baselines.baseline,
        covariates.prior_adequate_trials,
        covariates.prior_observation_days,
        covariates.index_year,
        covariates.prior_augmentation,
        covariates.prior_ect,
        covariates.mdd_recurrent
    from models
    inner join baselines
        on models.dataset_id = baselines.dataset_id
        and models.scale = baselines.scale
        and baselines.treatment_class in (models.treatment_class, models.reference_class)
    inner join covariates
        on baselines.dataset_id = covariates.dataset_id
        and baselines.person_key = covariates.person_key
        and baselines.treatment_class = covariates.treatment_class
),

final as (
    select
        cast(row_number() over (order by model_id, person_key, is_treated) as integer)
            as model_row,
        *
    from joined
)

select * from final
order by model_row
