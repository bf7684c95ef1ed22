{#- Baseline inflammation stratum of each TRD episode, per stratifying marker (seed biomarkers,
    high_rule): `fixed` is high at or above a fixed cut-off (CRP >= 3 mg/L, so exactly 3.0 is
    high); `dataset_median` is high at or above the median baseline of the dataset's TRD episodes
    with that marker (IL-6; exactly the median is high). The median is the interpolated one
    (percentile_cont 0.5: the mean of the two middle values for an even count). Only TRD episodes
    enter the median, because only they enter the rates it splits. -#}

with baselines as (
    select * from {{ ref('int_biomarkers__baselines') }}
),

episodes as (
    select * from {{ ref('int_episodes__unioned') }}
    where is_trd
),

markers as (
    select * from {{ ref('biomarkers') }}
    where high_rule is not null
),

trd_baselines as (
    select
        baselines.dataset_id,
        baselines.episode_key,
        baselines.marker,
        baselines.baseline,
        markers.high_rule,
        markers.high_at_or_above
    from baselines
    inner join episodes
        on baselines.episode_key = episodes.episode_key
    inner join markers
        on baselines.marker = markers.marker
),

dataset_medians as (
    select
        dataset_id,
        marker,
        percentile_cont(0.5) within group (order by baseline) as median_baseline
    from trd_baselines
    group by
        dataset_id,
        marker
),

with_cutoff as (
    select
        trd_baselines.dataset_id,
        trd_baselines.episode_key,
        trd_baselines.marker as stratifier,
        trd_baselines.baseline,
        trd_baselines.high_rule,
        case
            when trd_baselines.high_rule = 'fixed' then trd_baselines.high_at_or_above
            else dataset_medians.median_baseline
        end as cutoff
    from trd_baselines
    inner join dataset_medians
        on
            trd_baselines.dataset_id = dataset_medians.dataset_id
            and trd_baselines.marker = dataset_medians.marker
),

final as (
    select
        dataset_id,
        episode_key,
        stratifier,
        high_rule,
        cutoff,
        baseline,
        case when baseline >= cutoff then 'high' else 'low' end as stratum
    from with_cutoff
)

select * from final
