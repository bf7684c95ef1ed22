-- Registry baselines (docs/derivations.md#registry-baselines): per episode and scale, the last score dated in
-- [index - baseline_lookback_days, index], i.e. study_day between -30 and 0. Two scores of one
-- scale on the same day: the one with the highest record_id (text order of 'table:id') wins, so
-- the choice is deterministic. A baseline of 0 is kept here; rates exclude it downstream.

with assessments as (
    select * from {{ ref('int_registry__assessments') }}
),

in_window as (
    select * from assessments
    where {{ is_registry_baseline_candidate('study_day') }}
),

final as (
    -- (a QUALIFY in DuckDB; Spark has none)
    select * except (row_rank)
    from (
        select
            dataset_id,
            episode_key,
            scale,
            value as baseline,
            row_number() over (
                partition by dataset_id, episode_key, scale
                order by study_day desc, record_id desc
            ) as row_rank
        from in_window
    ) as ranked
    where row_rank = 1
)

select * from final
