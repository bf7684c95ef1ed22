{#- Baseline of each episode and marker, by the rule the scores use (docs/derivations.md#trial-baselines,
    int_trial__baselines and int_registry__baselines): trial, the ABLFL = 'Y' record, else the
    last record with ADY <= 1; registry, the last record dated in [index - baseline_lookback_days,
    index]. Ties: ABLFL first, then the latest day, then the highest record_id (the later row). -#}

with records as (
    select * from {{ ref('int_biomarkers__records') }}
),

candidates as (
    select *
    from records
    where
        (ady is not null and (is_ablfl or ady <= 1))
        or (ady is null and study_day between -{{ var('baseline_lookback_days') }} and 0)
),

ranked as (
    select
        *,
        row_number() over (
            partition by episode_key, marker
            order by
                case when is_ablfl then 0 else 1 end,
                study_day desc,
                record_id desc
        ) as candidate_rank
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
