{#-
    reporting.datasets: one row per loaded dataset as the report pages show it (provenance, the
    demo-data banner, the per-dataset pages): what its dataset.yml said (title, population,
    primary analysis, reference class, `synthetic`), the small-cell policy the views apply to it
    (reporting.suppression_policy) and which load of it the warehouse holds. No counts.
-#}
{{ config(alias='datasets') }}

with

datasets as (
    select * from {{ ref('stg_meta__datasets') }}
),

policies as (
    select * from {{ ref('rpt_suppression_policy') }}
),

final as (
    select
        datasets.dataset_id,
        datasets.source,
        datasets.title,
        datasets.population,
        coalesce(datasets.primary_analysis, 'nri') as primary_analysis,
        datasets.reference_class as configured_reference_class,
        datasets.is_synthetic,
        policies.configured_policy,
        coalesce(policies.policy, 'cms') as suppression,
        policies.rule as suppression_rule,
        datasets.config_sha256,
        datasets.load_id,
        datasets.loaded_at
    from datasets
    left join policies on datasets.dataset_id = policies.dataset_id
)

select * from final
