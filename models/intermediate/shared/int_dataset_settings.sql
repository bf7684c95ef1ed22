{#- The analysis settings of each dataset and scale, resolved once (docs/dataset-contract.md and docs/derivations.md#scales): the comparator
    class (dataset.yml `reference`, else standard_ad when the dataset has standard_ad episodes,
    else placebo), the primary analysis (default nri), whether AVISIT decides timepoints, and
    the remission threshold (dataset override, else the scale's default). -#}

with datasets as (
    select * from {{ ref('stg_meta__datasets') }}
),

scales as (
    select * from {{ ref('scales') }}
),

remission_overrides as (
    select * from {{ ref('stg_meta__dataset_remission') }}
),

visits as (
    select * from {{ ref('stg_meta__dataset_visits') }}
),

episodes as (
    select * from {{ ref('int_episodes__unioned') }}
),

datasets_with_standard_ad as (
    select distinct dataset_id
    from episodes
    where treatment_class = 'standard_ad'
),

datasets_with_visit_map as (
    select distinct dataset_id
    from visits
),

final as (
    select
        datasets.dataset_id,
        datasets.source,
        scales.scale,
        coalesce(datasets.primary_analysis, 'nri') as primary_analysis,
        coalesce(
            datasets.reference_class,
            case when standard_ad.dataset_id is not null then 'standard_ad' else 'placebo' end
        ) as reference_class,
        visit_map.dataset_id is not null as uses_visit_map,
        coalesce(remission_overrides.remission_threshold, scales.remission_threshold)
            as remission_threshold
    from datasets
    cross join scales
    left join datasets_with_standard_ad as standard_ad
        on datasets.dataset_id = standard_ad.dataset_id
    left join datasets_with_visit_map as visit_map
        on datasets.dataset_id = visit_map.dataset_id
    left join remission_overrides
        on
            datasets.dataset_id = remission_overrides.dataset_id
            and scales.scale = remission_overrides.scale
)

select * from final
