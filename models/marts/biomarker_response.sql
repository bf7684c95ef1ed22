{#- marts.biomarker_response: response and remission by baseline inflammation stratum, per
    dataset, treatment class, scale, timepoint, analysis and stratifier (CRP: < 3 vs >= 3 mg/L;
    IL-6: below vs at or above the dataset's median), with Wilson 95% intervals. Denominators and
    flags are those of response_rates (docs/derivations.md#response-and-remission), restricted to the TRD episodes that have a
    baseline of the stratifying marker (int_biomarkers__strata). Rows with n = 0 are left out. -#}

with outcomes as (
    select
        *,
        dataset_id || ':' || person_key || ':' || treatment_class as episode_key
    from {{ ref('episode_outcomes') }}
    where is_trd
),

strata as (
    select * from {{ ref('int_biomarkers__strata') }}
),

settings as (
    select distinct
        dataset_id,
        primary_analysis
    from {{ ref('int_dataset_settings') }}
),

stratified as (
    select
        outcomes.*,
        strata.stratifier,
        strata.stratum,
        strata.cutoff
    from outcomes
    inner join strata
        on outcomes.episode_key = strata.episode_key
),

by_analysis as (
    {{ rows_per_analysis('stratified') }}
),

counts as (
    select
        source,
        dataset_id,
        treatment_class,
        scale,
        timepoint,
        analysis,
        stratifier,
        stratum,
        cutoff,
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
        analysis,
        stratifier,
        stratum,
        cutoff
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
        counts.stratifier,
        counts.stratum,
        counts.cutoff,
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
