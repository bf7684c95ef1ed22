{#- Time course of mean percent change from baseline (observed cases, TRD episodes with a usable
    baseline) per dataset, class, scale and timepoint: the report's picture of the rapid
    ketamine effect. The interval is the normal approximation mean -/+ 1.96 sd / sqrt(n),
    null below 2 episodes. -#}

with outcomes as (
    select * from {{ ref('episode_outcomes') }}
    where
        is_trd
        and evaluable_oc
),

summary as (
    select
        dataset_id,
        source,
        treatment_class,
        scale,
        timepoint,
        cast(count(*) as integer) as n,
        avg(pct_change) as mean_pct_change,
        stddev_samp(pct_change) as sd_pct_change
    from outcomes
    group by
        dataset_id,
        source,
        treatment_class,
        scale,
        timepoint
),

final as (
    select
        dataset_id,
        source,
        treatment_class,
        scale,
        timepoint,
        n,
        mean_pct_change,
        sd_pct_change,
        {{ mean_ci_low('mean_pct_change', 'sd_pct_change', 'n') }} as ci_low,
        {{ mean_ci_high('mean_pct_change', 'sd_pct_change', 'n') }} as ci_high
    from summary
)

select * from final
