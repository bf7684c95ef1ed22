{#- marts.episode_outcomes (docs/outputs.md#episode_outcomes): per episode, scale and reported timepoint, the values and the
    per-analysis flags from which response_rates counts, so every rate can be traced to its
    episodes.

    Response is `2 * value <= baseline` (at least 50% reduction, exact for any score; no
    division). A baseline of 0 is unusable: responder and pct_change are null and no evaluable
    flag is true, so such an episode enters no rate, not even an NRI denominator. NRI needs no
    columns of its own: its denominator is evaluable_nri and a null responder or remitter
    (missing value) counts as a failure. -#}

with outcomes as (
    select * from {{ ref('int_outcomes__timepoints') }}
),

final as (
    select
        source,
        dataset_id,
        person_key,
        treatment_class,
        is_trd,
        scale,
        timepoint,
        baseline,
        value,
        value_study_day,
        locf_value,
        locf_study_day,
        remission_threshold,
        case
            when has_usable_baseline and value is not null
                then 100 * (value - baseline) / baseline
        end as pct_change,
        case
            when has_usable_baseline and value is not null
                then 2 * value <= baseline
        end as responder,
        case
            when value is not null
                then value <= remission_threshold
        end as remitter,
        case
            when has_usable_baseline and locf_value is not null
                then 2 * locf_value <= baseline
        end as responder_locf,
        case
            when locf_value is not null
                then locf_value <= remission_threshold
        end as remitter_locf,
        has_usable_baseline and value is not null as evaluable_oc,
        has_usable_baseline as evaluable_nri,
        has_usable_baseline and locf_value is not null as evaluable_locf
    from outcomes
)

select * from final
