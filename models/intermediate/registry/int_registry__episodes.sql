-- Registry episodes (docs/derivations.md#index-candidates and docs/outputs.md#marts): the qualifying new-user candidates (MDD on or before index,
-- >= 365 days of prior observation, >= 2 failed adequate trials, no TRD exclusion on or before
-- index), one per person and treatment class (ECT courses included): the earliest qualifying candidate (ties on the index date: the lower drug key, so the
-- choice is deterministic). Columns are the harmonised episode interface of docs/architecture.md,
-- shared with int_trial__episodes. Every registry episode is TRD by construction.

with criteria as (
    select * from {{ ref('int_registry__candidate_criteria') }}
),

persons as (
    select * from {{ ref('stg_registry__person') }}
),

qualifying as (
    select * from criteria
    where has_mdd and has_prior_observation and meets_trd and not has_exclusion
),

earliest as (
    -- (a QUALIFY in DuckDB; Spark has none)
    select * except (row_rank)
    from (
        select
            *,
            row_number() over (
                partition by dataset_id, person_id, treatment_class
                order by index_date, drug_key
            ) as row_rank
        from qualifying
    ) as ranked
    where row_rank = 1
),

final as (
    select
        'registry' as source,
        earliest.dataset_id,
        cast(earliest.person_id as {{ dbt.type_string() }}) as person_key,
        earliest.dataset_id || ':' || cast(earliest.person_id as {{ dbt.type_string() }})
            || ':' || earliest.treatment_class as episode_key,
        earliest.treatment_class,
        earliest.ingredient as treatment,
        cast(null as integer) as index_day,
        earliest.index_date,
        cast(
            least(year(earliest.index_date) - persons.year_of_birth, {{ var('age_top_code') }})
            as integer
        ) as age,
        case persons.gender_concept_id
            when 8532 then 'F'
            when 8507 then 'M'
            else 'U'
        end as sex,
        cast(earliest.n_failed_trials as integer) as prior_failures,
        true as is_trd
    from earliest
    left join persons
        on earliest.dataset_id = persons.dataset_id
        and earliest.person_id = persons.person_id
)

select * from final
