{#- How each trial dataset's subjects narrow down to the episodes that enter response rates
    (marts.attrition (docs/outputs.md#attrition)), counted in subjects: every step keeps a subset of the step before
    it, and `step` numbers them like the registry flow (int_registry__attrition). -#}

with subjects as (
    select * from {{ ref('int_trial__subjects') }}
),

baselines as (
    select * from {{ ref('int_trial__baselines') }}
),

datasets as (
    select * from {{ ref('stg_meta__datasets') }}
),

episodes_with_usable_baseline as (
    select distinct episode_key
    from baselines
    where baseline <> 0
),

subject_flags as (
    select
        subjects.dataset_id,
        subjects.is_safety_population as passes_safety,
        subjects.is_safety_population
        and subjects.treatment_class is not null as passes_arm,
        subjects.is_safety_population
        and subjects.treatment_class is not null
        and subjects.is_trd as passes_trd,
        subjects.is_safety_population
        and subjects.treatment_class is not null
        and subjects.is_trd
        and usable.episode_key is not null as passes_baseline
    from subjects
    left join episodes_with_usable_baseline as usable
        on subjects.episode_key = usable.episode_key
),

counts as (
    select
        datasets.dataset_id,
        count(subject_flags.dataset_id) as n_subjects,
        sum(case when subject_flags.passes_safety then 1 else 0 end) as n_safety,
        sum(case when subject_flags.passes_arm then 1 else 0 end) as n_arm,
        sum(case when subject_flags.passes_trd then 1 else 0 end) as n_trd,
        sum(case when subject_flags.passes_baseline then 1 else 0 end) as n_baseline
    from datasets
    left join subject_flags
        on datasets.dataset_id = subject_flags.dataset_id
    where datasets.source = 'trial'
    group by datasets.dataset_id
),

steps as (
    select
        dataset_id,
        1 as step,
        'Subjects in ADSL' as description,
        n_subjects as n_remaining
    from counts
    union all
    select
        dataset_id,
        2,
        'In the safety population (SAFFL = Y)',
        n_safety
    from counts
    union all
    select
        dataset_id,
        3,
        'Arm (TRT01A, else TRT01P) mapped to a treatment class',
        n_arm
    from counts
    union all
    select
        dataset_id,
        4,
        'TRD (dataset population trd, TRDFL = Y or NPRFAIL >= {{ var("min_failed_trials") }})',
        n_trd
    from counts
    union all
    select
        dataset_id,
        5,
        'With a non-zero baseline on at least one mapped scale',
        n_baseline
    from counts
),

final as (
    select
        dataset_id,
        step,
        description,
        cast(n_remaining as bigint) as n_remaining,
        cast(
            coalesce(
                lag(n_remaining) over (partition by dataset_id order by step) - n_remaining,
                0
            ) as bigint
        ) as n_excluded
    from steps
)

select * from final
