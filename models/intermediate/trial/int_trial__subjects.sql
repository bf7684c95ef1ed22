{#- Every ADSL subject with the facts the trial rules need (docs/derivations.md#trial-cohort): safety population,
    arm and its treatment class, TRD status, top-coded age. Attrition counts from here, so no
    subject is dropped yet. -#}

with adsl as (
    select * from {{ ref('stg_trial__adsl') }}
),

datasets as (
    select * from {{ ref('stg_meta__datasets') }}
),

arms as (
    select * from {{ ref('stg_meta__dataset_arms') }}
),

subjects_with_arm as (
    select
        adsl.*,
        coalesce(adsl.trt01a, adsl.trt01p) as arm
    from adsl
),

classified as (
    select
        subjects.dataset_id,
        subjects.usubjid,
        subjects.arm,
        arms.treatment_class,
        arms.treatment,
        coalesce(subjects.saffl = 'Y', false) as is_safety_population,
        (
            coalesce(datasets.population = 'trd', false)
            or coalesce(subjects.trdfl = 'Y', false)
            or coalesce(subjects.nprfail >= {{ var('min_failed_trials') }}, false)
        ) as is_trd,
        subjects.nprfail as prior_failures,
        least(subjects.age, {{ var('age_top_code') }}) as age,
        subjects.sex
    from subjects_with_arm as subjects
    left join datasets
        on subjects.dataset_id = datasets.dataset_id
    left join arms
        on
            subjects.dataset_id = arms.dataset_id
            and subjects.arm = arms.arm
),

final as (
    select
        dataset_id,
        usubjid,
        case
            when treatment_class is not null
                then dataset_id || ':' || usubjid || ':' || treatment_class
        end as episode_key,
        arm,
        treatment_class,
        treatment,
        is_safety_population,
        is_trd,
        prior_failures,
        age,
        sex
    from classified
)

select * from final
