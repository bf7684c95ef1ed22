{#- The ADQS records that can carry a score (docs/derivations.md#scales): PARAMCD mapped to a scale (the dataset's own
    map first, then the default map; item-level parameters fall out), episodes only, sponsor
    imputations (DTYPE) and missed assessments (null AVAL) removed. Baselines and post-baseline
    assessments both read this model, so each of those rules is written once. -#}

with adqs as (
    select * from {{ ref('stg_trial__adqs') }}
),

episodes as (
    select * from {{ ref('int_trial__episodes') }}
),

datasets as (
    select * from {{ ref('stg_meta__datasets') }}
),

dataset_parameters as (
    select * from {{ ref('stg_meta__dataset_parameters') }}
),

default_parameters as (
    select * from {{ ref('scale_parameters') }}
),

scales as (
    select * from {{ ref('scales') }}
),

visits as (
    select * from {{ ref('stg_meta__dataset_visits') }}
),

defaults_not_overridden as (
    select
        datasets.dataset_id,
        default_parameters.paramcd,
        default_parameters.scale
    from datasets
    cross join default_parameters
    left join dataset_parameters as own
        on
            datasets.dataset_id = own.dataset_id
            and default_parameters.paramcd = own.paramcd
    where
        datasets.source = 'trial'
        and own.paramcd is null
),

parameter_map as (
    select
        dataset_id,
        paramcd,
        scale
    from dataset_parameters
    union all
    select
        dataset_id,
        paramcd,
        scale
    from defaults_not_overridden
),

scored as (
    select
        adqs.dataset_id,
        episodes.episode_key,
        parameter_map.scale,
        adqs.ady,
        {{ trial_study_day('adqs.ady') }} as study_day,
        adqs.aval as value,
        coalesce(adqs.ablfl = 'Y', false) as is_ablfl,
        coalesce(adqs.anl01fl = 'Y', false) as is_anl01,
        adqs.avisit,
        visits.timepoint as visit_timepoint,
        'adqs:' || lpad(cast(adqs.source_row_number as {{ dbt.type_string() }}), 10, '0')
            as record_id
    from adqs
    inner join episodes
        on
            adqs.dataset_id = episodes.dataset_id
            and adqs.usubjid = episodes.person_key
    inner join parameter_map
        on
            adqs.dataset_id = parameter_map.dataset_id
            and adqs.paramcd = parameter_map.paramcd
    inner join scales
        on parameter_map.scale = scales.scale
    left join visits
        on
            adqs.dataset_id = visits.dataset_id
            and adqs.avisit = visits.avisit
    where
        adqs.dtype is null
        and adqs.aval is not null
        and adqs.ady is not null
        and adqs.ady <> 0
)

select * from scored
