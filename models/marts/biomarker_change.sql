{#- marts.biomarker_change: how the immune markers move after treatment. Per dataset, treatment
    class, marker, timepoint and responder status: baseline, follow-up and change (follow-up minus
    baseline, in the marker's standard unit) as means and medians, over the TRD episodes with both
    a baseline and a follow-up value at that timepoint (paired: each episode contributes to
    every statistic of its row).
    responder_status: `all` (every paired episode; scale 'any'), or, per depression scale,
    `responder` / `non_responder` by the observed-case responder flag of episode_outcomes at the
    same timepoint (episodes without an observed score there are in `all` only). Medians are
    interpolated (percentile_cont 0.5); the mean change has a normal 95% interval (null, n < 2). -#}

with baselines as (
    select * from {{ ref('int_biomarkers__baselines') }}
),

followups as (
    select * from {{ ref('int_biomarkers__timepoints') }}
),

episodes as (
    select * from {{ ref('int_episodes__unioned') }}
    where is_trd
),

outcomes as (
    select
        dataset_id || ':' || person_key || ':' || treatment_class as episode_key,
        scale,
        timepoint,
        responder
    from {{ ref('episode_outcomes') }}
    where
        is_trd
        and responder is not null
),

markers as (
    select * from {{ ref('biomarkers') }}
),

paired as (
    select
        episodes.source,
        episodes.dataset_id,
        episodes.episode_key,
        episodes.treatment_class,
        baselines.marker,
        followups.timepoint,
        followups.timepoint_order,
        baselines.baseline,
        followups.value as followup,
        followups.value - baselines.baseline as change
    from baselines
    inner join episodes
        on baselines.episode_key = episodes.episode_key
    inner join followups
        on
            baselines.episode_key = followups.episode_key
            and baselines.marker = followups.marker
),

by_status as (
    select
        paired.*,
        'any' as scale,
        'all' as responder_status
    from paired
    union all
    select
        paired.*,
        outcomes.scale,
        case when outcomes.responder then 'responder' else 'non_responder' end
            as responder_status
    from paired
    inner join outcomes
        on
            paired.episode_key = outcomes.episode_key
            and paired.timepoint = outcomes.timepoint
),

summarised as (
    select
        source,
        dataset_id,
        treatment_class,
        marker,
        timepoint,
        timepoint_order,
        scale,
        responder_status,
        cast(count(*) as integer) as n,
        avg(baseline) as baseline_mean,
        percentile_cont(0.5) within group (order by baseline) as baseline_median,
        avg(followup) as followup_mean,
        percentile_cont(0.5) within group (order by followup) as followup_median,
        avg(change) as change_mean,
        percentile_cont(0.5) within group (order by change) as change_median,
        stddev_samp(change) as change_sd
    from by_status
    group by
        source,
        dataset_id,
        treatment_class,
        marker,
        timepoint,
        timepoint_order,
        scale,
        responder_status
),

final as (
    select
        summarised.source,
        summarised.dataset_id,
        summarised.treatment_class,
        summarised.marker,
        markers.standard_unit as unit,
        summarised.timepoint,
        summarised.timepoint_order,
        summarised.scale,
        summarised.responder_status,
        summarised.n,
        summarised.baseline_mean,
        summarised.baseline_median,
        summarised.followup_mean,
        summarised.followup_median,
        summarised.change_mean,
        summarised.change_median,
        summarised.change_sd,
        {{ mean_ci_low('summarised.change_mean', 'summarised.change_sd', 'summarised.n') }}
            as change_ci_low,
        {{ mean_ci_high('summarised.change_mean', 'summarised.change_sd', 'summarised.n') }}
            as change_ci_high
    from summarised
    inner join markers
        on summarised.marker = markers.marker
)

select * from final
