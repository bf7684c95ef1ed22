{#- Baseline of each episode and marker, by the rule the scores use (docs/derivations.md#trial-baselines,
    int_trial__baselines and int_registry__baselines): trial, the ABLFL = 'Y' record, else the
    last record with ADY <= 1; registry, the last record dated in [index - baseline_lookback_days,
    index] (macros/baselines.sql). Ties: ABLFL first, then the latest day (for trial records the
    study day orders as ADY does), then the highest record_id (the later row). -#}

with records as (
    select * from {{ ref('int_biomarkers__records') }}
),

candidates as (
    select *
    from records
    where
        (ady is not null and {{ is_trial_baseline_candidate('is_ablfl', 'ady') }})
        or (ady is null and {{ is_registry_baseline_candidate('study_day') }})
),

ranked as (
    select
        *,
        {{ trial_baseline_rank('episode_key, marker', 'is_ablfl', 'study_day', 'record_id') }}
            as candidate_rank
    from candidates
),

final as (
    select
        dataset_id,
        episode_key,
        marker,
        value as baseline,
        study_day as baseline_study_day
    from ranked
    where candidate_rank = 1
)

select * from final
