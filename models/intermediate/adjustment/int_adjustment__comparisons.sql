{#- The registry comparisons to adjust, numbered: every registry row of
    marts.response_comparisons (a class against its dataset's reference class, same scale,
    timepoint and analysis; both outcomes share one population), with a comparison_id in key
    order, and the propensity model it uses (model_id): one per dataset, scale and pair of
    classes, shared by every timepoint and analysis (int_adjustment__propensity_populations).
    The Python models work on these integers, not on text keys. -#}

with comparisons as (
    select * from {{ ref('response_comparisons') }}
),

registries as (
    select dataset_id from {{ ref('stg_meta__datasets') }}
    where source = 'registry'
),

distinct_comparisons as (
    select distinct
        comparisons.dataset_id,
        comparisons.scale,
        comparisons.timepoint,
        comparisons.analysis,
        comparisons.treatment_class,
        comparisons.reference_class
    from comparisons
    inner join registries on comparisons.dataset_id = registries.dataset_id
),

final as (
    select
        cast(row_number() over (
            order by dataset_id, scale, timepoint, analysis, treatment_class, reference_class
        ) as integer) as comparison_id,
        cast(dense_rank() over (
            order by dataset_id, scale, treatment_class, reference_class
        ) as integer) as model_id,
        *
    from distinct_comparisons
)

select * from final
