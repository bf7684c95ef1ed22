{#- marts.cohort_episodes (docs/outputs.md#cohort_episodes): one row per treatment episode of either source. Trial
    episodes carry index_day (1 = first dose), registry episodes index_date. -#}

with episodes as (
    select * from {{ ref('int_episodes__unioned') }}
),

final as (
    select
        source,
        dataset_id,
        person_key,
        treatment_class,
        treatment,
        index_day,
        index_date,
        age,
        sex,
        prior_failures,
        is_trd
    from episodes
)

select * from final
