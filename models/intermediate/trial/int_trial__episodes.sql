{#- Trial episodes (harmonised interface, docs/architecture.md): the safety population of mapped
    arms, TRD or not; day 1 (ADY of first dose) is the index. -#}

with subjects as (
    select * from {{ ref('int_trial__subjects') }}
),

final as (
    select
        'trial' as source,
        dataset_id,
        usubjid as person_key,
        episode_key,
        treatment_class,
        treatment,
        1 as index_day,
        cast(null as date) as index_date,
        age,
        sex,
        prior_failures,
        is_trd
    from subjects
    where
        is_safety_population
        and treatment_class is not null
)

select * from final
