{#- Follow-up value of each episode, marker and timepoint, by the windows the scores use (docs/derivations.md#timepoint-windows,
    int_outcomes__timepoints): post-baseline records (day >= 1) in the inclusive window of the
    timepoint (datasets with a `visits` map: records whose AVISIT maps to it), the one closest to
    the target day, ties to the earlier day, then to the lower record_id. ADLB has no ANL01FL, so
    that step of the score rule does not arise. Only timepoints with a value have a row. -#}

with records as (
    select * from {{ ref('int_biomarkers__records') }}
    where study_day >= 1
),

timepoints as (
    select * from {{ ref('timepoints') }}
),

visit_mapped as (
    select distinct
        dataset_id,
        uses_visit_map
    from {{ ref('int_dataset_settings') }}
),

in_window as (
    select
        records.dataset_id,
        records.episode_key,
        records.marker,
        timepoints.timepoint,
        timepoints.sort_order as timepoint_order,
        records.value,
        records.study_day,
        row_number() over (
            partition by records.episode_key, records.marker, timepoints.timepoint
            order by
                abs(records.study_day - timepoints.target_day),
                records.study_day,
                records.record_id
        ) as record_rank
    from records
    inner join visit_mapped
        on records.dataset_id = visit_mapped.dataset_id
    inner join timepoints
        on {{ in_timepoint_window('records', 'timepoints', 'visit_mapped.uses_visit_map') }}
),

final as (
    select
        dataset_id,
        episode_key,
        marker,
        timepoint,
        timepoint_order,
        value,
        study_day
    from in_window
    where record_rank = 1
)

select * from final
