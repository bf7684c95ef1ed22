{#- Episode x scale x timepoint: the observed value and the LOCF value (docs/derivations.md#analyses and docs/outputs.md#marts).

    Grid: every episode with a baseline of a scale, at every timepoint at which at least one
    TRD episode of the same dataset with a usable (non-zero) baseline of that scale has an
    observed value; the same timepoints response_rates reports, so the two marts agree.

    Observed value: among post-baseline records in the inclusive window [window_start,
    window_end] (datasets with a `visits` map: records whose AVISIT maps to the timepoint),
    the ANL01FL = 'Y' record if any, else the one closest to the target day, ties to the earlier
    day, then to the lower record_id.

    LOCF value: the observed value where there is one, else the last post-baseline record
    (day >= 1) on or before the window's end day. Visits-mapped datasets use the same end day,
    so a record at an unmapped visit still carries forward. Same-day ties: ANL01FL first, then
    the higher record_id (the later row of the file). -#}

with episodes as (
    select * from {{ ref('int_episodes__unioned') }}
),

baselines as (
    select * from {{ ref('int_baselines__unioned') }}
),

assessments as (
    select * from {{ ref('int_assessments__unioned') }}
),

settings as (
    select * from {{ ref('int_dataset_settings') }}
),

timepoints as (
    select * from {{ ref('timepoints') }}
),

last_window_day as (
    select max(window_end) as last_day
    from timepoints
),

-- records after the last window can be neither a timepoint value nor a LOCF value (registry
-- follow-up runs for years), so they are dropped before the joins below multiply rows
relevant_assessments as (
    select assessments.*
    from assessments
    cross join last_window_day
    where
        assessments.study_day <= last_window_day.last_day
        or assessments.visit_timepoint is not null
),

episode_scales as (
    select
        episodes.source,
        episodes.dataset_id,
        episodes.person_key,
        episodes.episode_key,
        episodes.treatment_class,
        episodes.is_trd,
        baselines.scale,
        baselines.baseline,
        baselines.baseline <> 0 as has_usable_baseline,
        settings.remission_threshold,
        settings.uses_visit_map
    from baselines
    inner join episodes
        on baselines.episode_key = episodes.episode_key
    inner join settings
        on
            baselines.dataset_id = settings.dataset_id
            and baselines.scale = settings.scale
),

grid as (
    select
        episode_scales.*,
        timepoints.timepoint,
        timepoints.sort_order as timepoint_order,
        timepoints.target_day,
        timepoints.window_start,
        timepoints.window_end
    from episode_scales
    cross join timepoints
),

-- Both values of a grid row come from one join and one aggregate. The join keeps every record a
-- grid row may use (up to the window's end for LOCF, or mapped to the timepoint by AVISIT); each
-- value is an arg_min / arg_max over its tie-break order written as a struct (compared field by
-- field), filtered to the records its rule allows. record_id is unique within an episode and
-- scale (tested on int_assessments__unioned), so each choice is unique. Why not row_number():
-- ranking the joined rows (8 M at 1 M registry persons) needs a sort; a hash aggregate does not.
chosen_records as (
    select
        grid.episode_key,
        grid.scale,
        grid.timepoint,
        min_by(
            {{ struct_of([('value', 'assessments.value'), ('study_day', 'assessments.study_day')]) }},
            {{ struct_of([
                ('not_anl01', 'case when assessments.is_anl01 then 0 else 1 end'),
                ('distance', 'abs(assessments.study_day - grid.target_day)'),
                ('study_day', 'assessments.study_day'),
                ('record_id', 'assessments.record_id'),
            ]) }}
        ) filter (
            where {{ in_timepoint_window('assessments', 'grid', 'grid.uses_visit_map') }}
        ) as observed,
        max_by(
            {{ struct_of([('value', 'assessments.value'), ('study_day', 'assessments.study_day')]) }},
            {{ struct_of([
                ('study_day', 'assessments.study_day'),
                ('anl01', 'case when assessments.is_anl01 then 1 else 0 end'),
                ('record_id', 'assessments.record_id'),
            ]) }}
        ) filter (where assessments.study_day <= grid.window_end) as last_value
    from grid
    inner join relevant_assessments as assessments
        on
            grid.episode_key = assessments.episode_key
            and grid.scale = assessments.scale
            and (
                assessments.study_day <= grid.window_end
                or (grid.uses_visit_map and assessments.visit_timepoint = grid.timepoint)
            )
    group by grid.episode_key, grid.scale, grid.timepoint
),

with_values as (
    select
        grid.source,
        grid.dataset_id,
        grid.person_key,
        grid.episode_key,
        grid.treatment_class,
        grid.is_trd,
        grid.scale,
        grid.baseline,
        grid.has_usable_baseline,
        grid.remission_threshold,
        grid.timepoint,
        grid.timepoint_order,
        grid.target_day,
        chosen_records.observed.value as value,
        chosen_records.observed.study_day as value_study_day,
        coalesce(chosen_records.observed.value, chosen_records.last_value.value) as locf_value,
        coalesce(chosen_records.observed.study_day, chosen_records.last_value.study_day)
            as locf_study_day
    from grid
    left join chosen_records
        on
            grid.episode_key = chosen_records.episode_key
            and grid.scale = chosen_records.scale
            and grid.timepoint = chosen_records.timepoint
),

reported_timepoints as (
    select distinct
        dataset_id,
        scale,
        timepoint
    from with_values
    where
        is_trd
        and has_usable_baseline
        and value is not null
),

final as (
    select with_values.*
    from with_values
    inner join reported_timepoints
        on
            with_values.dataset_id = reported_timepoints.dataset_id
            and with_values.scale = reported_timepoints.scale
            and with_values.timepoint = reported_timepoints.timepoint
)

select * from final
