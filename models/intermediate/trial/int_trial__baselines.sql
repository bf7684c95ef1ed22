{#- Trial baseline per episode and scale (docs/derivations.md#trial-baselines): the ABLFL = 'Y'
    record; without one, the last record with ADY <= 1 (macros/baselines.sql, shared with the raw
    checks of ADQS). Only scored records count (no DTYPE rows, no null AVAL). -#}

with scored as (
    select * from {{ ref('int_trial__scored_records') }}
),

candidates as (
    select
        dataset_id,
        episode_key,
        scale,
        value,
        {{ trial_baseline_rank('episode_key, scale', 'is_ablfl', 'ady', 'record_id') }}
            as candidate_rank
    from scored
    where {{ is_trial_baseline_candidate('is_ablfl', 'ady') }}
),

final as (
    select
        dataset_id,
        episode_key,
        scale,
        value as baseline
    from candidates
    where candidate_rank = 1
)

select * from final
