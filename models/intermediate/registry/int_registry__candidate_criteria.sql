-- Each new-user index candidate with the docs/derivations.md#index-candidates criteria evaluated at its index date, kept apart
-- from int_registry__episodes so that the attrition table counts the same flags the episodes use.
--   has_mdd                 an MDD diagnosis (concept set mdd, with descendants) on or before index;
--   has_prior_observation   index inside an observation period that began >= prior_observation_days
--                           (365) before index;
--   n_failed_trials         distinct standard-AD ingredients, other than the index drug key, with an
--                           adequate trial that started on or after index - trd_lookback_days (730)
--                           and ended on or before index;
--   meets_trd               n_failed_trials >= min_failed_trials (2);
--   has_exclusion           a trd_exclusion condition (bipolar disorder, schizophrenia, psychotic
--                           disorder, or a descendant) recorded on or before index: the exclusions
--                           of the OHDSI TRD phenotype; a first record after index does not count.
-- Candidates of ECT courses are judged like drug candidates; their drug key ('ect') is no
-- standard-AD ingredient, so every adequate trial counts for them.
-- Every join is on (dataset_id, person_id) with a date range: no exposure-by-exposure cross join.

with candidates as (
    select * from {{ ref('int_registry__index_candidates') }}
),

conditions as (
    select * from {{ ref('stg_registry__condition_occurrence') }}
),

periods as (
    select * from {{ ref('stg_registry__observation_period') }}
),

adequate_trials as (
    select * from {{ ref('int_registry__adequate_trials') }}
),

mdd_concepts as (
    select distinct dataset_id, concept_id
    from {{ ref('int_registry__concept_map') }}
    where concept_set = 'mdd'
),

exclusion_concepts as (
    select distinct dataset_id, concept_id
    from {{ ref('int_registry__concept_map') }}
    where concept_set = 'trd_exclusion'
),

first_mdd as (
    select
        conditions.dataset_id,
        conditions.person_id,
        min(conditions.condition_start_date) as first_mdd_date
    from conditions
    inner join mdd_concepts
        on conditions.dataset_id = mdd_concepts.dataset_id
        and conditions.condition_concept_id = mdd_concepts.concept_id
    group by conditions.dataset_id, conditions.person_id
),

first_exclusion as (
    select
        conditions.dataset_id,
        conditions.person_id,
        min(conditions.condition_start_date) as first_exclusion_date
    from conditions
    inner join exclusion_concepts
        on conditions.dataset_id = exclusion_concepts.dataset_id
        and conditions.condition_concept_id = exclusion_concepts.concept_id
    group by conditions.dataset_id, conditions.person_id
),

prior_observation as (
    select distinct
        candidates.dataset_id,
        candidates.person_id,
        candidates.drug_key,
        candidates.index_date
    from candidates
    inner join periods
        on candidates.dataset_id = periods.dataset_id
        and candidates.person_id = periods.person_id
        and candidates.index_date between periods.observation_period_start_date
            and periods.observation_period_end_date
        and periods.observation_period_start_date
            <= candidates.index_date - {{ var('prior_observation_days') }}
),

failed_trials as (
    select
        candidates.dataset_id,
        candidates.person_id,
        candidates.drug_key,
        candidates.index_date,
        count(distinct adequate_trials.drug_key) as n_failed_trials
    from candidates
    inner join adequate_trials
        on candidates.dataset_id = adequate_trials.dataset_id
        and candidates.person_id = adequate_trials.person_id
        and adequate_trials.trial_start_date
            >= candidates.index_date - {{ var('trd_lookback_days') }}
        and adequate_trials.trial_end_date <= candidates.index_date
        and adequate_trials.drug_key <> candidates.drug_key
    group by
        candidates.dataset_id,
        candidates.person_id,
        candidates.drug_key,
        candidates.index_date
),

final as (
    select
        candidates.dataset_id,
        candidates.person_id,
        candidates.drug_key,
        candidates.treatment_class,
        candidates.ingredient_concept_id,
        candidates.ingredient,
        candidates.index_date,
        first_mdd.first_mdd_date,
        coalesce(first_mdd.first_mdd_date <= candidates.index_date, false) as has_mdd,
        prior_observation.index_date is not null as has_prior_observation,
        coalesce(failed_trials.n_failed_trials, 0) as n_failed_trials,
        coalesce(failed_trials.n_failed_trials, 0)
            >= {{ var('min_failed_trials') }} as meets_trd,
        first_exclusion.first_exclusion_date,
        coalesce(first_exclusion.first_exclusion_date <= candidates.index_date, false)
            as has_exclusion
    from candidates
    left join first_mdd
        on candidates.dataset_id = first_mdd.dataset_id
        and candidates.person_id = first_mdd.person_id
    left join first_exclusion
        on candidates.dataset_id = first_exclusion.dataset_id
        and candidates.person_id = first_exclusion.person_id
    left join prior_observation
        on candidates.dataset_id = prior_observation.dataset_id
        and candidates.person_id = prior_observation.person_id
        and candidates.drug_key = prior_observation.drug_key
        and candidates.index_date = prior_observation.index_date
    left join failed_trials
        on candidates.dataset_id = failed_trials.dataset_id
        and candidates.person_id = failed_trials.person_id
        and candidates.drug_key = failed_trials.drug_key
        and candidates.index_date = failed_trials.index_date
)

select * from final
