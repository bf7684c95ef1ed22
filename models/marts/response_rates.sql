{#- marts.response_rates (docs/outputs.md#response_rates): response and remission rates with Wilson 95% intervals, per
    dataset, treatment class, scale, timepoint and analysis, for TRD episodes with a usable
    baseline. Denominators (docs/derivations.md#analyses): oc = observed value at the timepoint; nri = every episode
    with a usable baseline, a missing value counting as failure; locf = observed or carried
    value. Rows with a denominator of 0 are left out. -#}

with outcomes as (
    select * from {{ ref('episode_outcomes') }}
    where is_trd
),

settings as (
    select distinct
        dataset_id,
        primary_analysis
    from {{ ref('int_dataset_settings') }}
),

by_analysis as (
    {{ rows_per_analysis('outcomes') }}
),

counts as (
    select
        source,
        dataset_id,
        treatment_class,
        scale,
        timepoint,
        analysis,
        cast(sum(case when is_evaluable then 1 else 0 end) as integer) as n,
        cast(sum(case when is_evaluable and is_responder then 1 else 0 end) as integer)
            as n_responders,
        cast(sum(case when is_evaluable and is_remitter then 1 else 0 end) as integer)
            as n_remitters
    from by_analysis
    group by
        source,
        dataset_id,
        treatment_class,
        scale,
        timepoint,
        analysis
),

final as (
    select
        counts.source,
        counts.dataset_id,
        counts.treatment_class,
        counts.scale,
        counts.timepoint,
        counts.analysis,
        counts.analysis = settings.primary_analysis as is_primary,
        counts.n,
        counts.n_responders,
        {{ proportion('counts.n_responders', 'counts.n') }} as response_rate,
        {{ wilson_low('counts.n_responders', 'counts.n') }} as response_ci_low,
        {{ wilson_high('counts.n_responders', 'counts.n') }} as response_ci_high,
        counts.n_remitters,
        {{ proportion('counts.n_remitters', 'counts.n') }} as remission_rate,
        {{ wilson_low('counts.n_remitters', 'counts.n') }} as remission_ci_low,
        {{ wilson_high('counts.n_remitters', 'counts.n') }} as remission_ci_high
    from counts
    inner join settings
        on counts.dataset_id = settings.dataset_id
    where counts.n > 0
)

select * from final
