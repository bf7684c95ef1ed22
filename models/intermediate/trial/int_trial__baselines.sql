{#- Trial baseline per episode and scale (docs/derivations.md#trial-baselines): the ABLFL = 'Y' record; without one, the last
    record with ADY <= 1. Only scored records count (no DTYPE rows, no null AVAL). Ties are broken
    deterministically: among several ABLFL records (a data error that GX reports) and among
    fallback records the latest ADY wins, then the latest row of the file. -#}

with scored as (
    select * from {{ ref('int_trial__scored_records') }}
),

candidates as (
    select
        dataset_id,
        episode_key,
        scale,
        value,
        row_number() over (
            partition by episode_key, scale
            order by
                case when is_ablfl then 0 else 1 end,
                ady desc,
                record_id desc
        ) as candidate_rank
    from scored
    where
        is_ablfl
        or ady <= 1
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
