{#- Trial assessments in the harmonised interface (docs/architecture.md): one row per scored
    record with its day after index, pre- and post-baseline alike (the shared model keeps
    day >= 1). -#}

with scored as (
    select * from {{ ref('int_trial__scored_records') }}
),

final as (
    select
        dataset_id,
        episode_key,
        scale,
        study_day,
        value,
        is_anl01,
        visit_timepoint,
        record_id
    from scored
)

select * from final
