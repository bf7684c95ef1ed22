-- Cohort attrition per registry dataset (marts.attrition (docs/outputs.md#attrition)), counted in PERSONS at every
-- step, each step a subset of the one before (a flow diagram an epidemiologist can read down):
--   1 persons in the dataset
--   2 with an MDD diagnosis (any date)
--   3 with a new-user index candidate (a drug era or an ECT course) on or after an MDD diagnosis
--   4 ... whose index also has >= 365 days of prior observation
--   5 ... which also meets the TRD rule (>= 2 failed adequate trials in the 730 days before)
--   6 ... and has no TRD exclusion (bipolar disorder, schizophrenia, psychotic disorder, or a
--     descendant) recorded on or before that index: the OHDSI TRD phenotype applies its
--     exclusions last, after the inclusion criteria, and so does this flow
--   7 with an episode (one per person and treatment class, the earliest qualifying candidate;
--     equal to step 6 by construction, shown so the flow ends at the episode table)
--   8 with a baseline score (any scale) for at least one episode
-- Steps 3-6 are evaluated on the same candidate, so a person counts at step 4 only if one
-- candidate satisfies both criteria 3 and 4.

with datasets as (
    select dataset_id from {{ ref('stg_meta__datasets') }}
    where source = 'registry'
),

persons as (
    select * from {{ ref('stg_registry__person') }}
),

conditions as (
    select * from {{ ref('stg_registry__condition_occurrence') }}
),

mdd_concepts as (
    select distinct dataset_id, concept_id
    from {{ ref('int_registry__concept_map') }}
    where concept_set = 'mdd'
),

criteria as (
    select * from {{ ref('int_registry__candidate_criteria') }}
),

episodes as (
    select * from {{ ref('int_registry__episodes') }}
),

baselines as (
    select * from {{ ref('int_registry__baselines') }}
),

persons_with_mdd as (
    select distinct conditions.dataset_id, conditions.person_id
    from conditions
    inner join mdd_concepts
        on conditions.dataset_id = mdd_concepts.dataset_id
        and conditions.condition_concept_id = mdd_concepts.concept_id
),

person_flags as (
    select
        dataset_id,
        person_id,
        bool_or(has_mdd) as step_3,
        bool_or(has_mdd and has_prior_observation) as step_4,
        bool_or(has_mdd and has_prior_observation and meets_trd) as step_5,
        bool_or(has_mdd and has_prior_observation and meets_trd and not has_exclusion) as step_6
    from criteria
    group by dataset_id, person_id
),

episode_persons as (
    select
        episodes.dataset_id,
        episodes.person_key,
        bool_or(baselines.episode_key is not null) as has_baseline
    from episodes
    left join baselines
        on episodes.dataset_id = baselines.dataset_id
        and episodes.episode_key = baselines.episode_key
    group by episodes.dataset_id, episodes.person_key
),

person_counts as (
    select dataset_id, count(*) as n_1
    from persons
    group by dataset_id
),

mdd_counts as (
    select dataset_id, count(*) as n_2
    from persons_with_mdd
    group by dataset_id
),

candidate_counts as (
    select
        dataset_id,
        count(*) filter (where step_3) as n_3,
        count(*) filter (where step_4) as n_4,
        count(*) filter (where step_5) as n_5,
        count(*) filter (where step_6) as n_6
    from person_flags
    group by dataset_id
),

episode_counts as (
    select
        dataset_id,
        count(*) as n_7,
        count(*) filter (where has_baseline) as n_8
    from episode_persons
    group by dataset_id
),

counts as (
    select
        datasets.dataset_id,
        coalesce(person_counts.n_1, 0) as n_1,
        coalesce(mdd_counts.n_2, 0) as n_2,
        coalesce(candidate_counts.n_3, 0) as n_3,
        coalesce(candidate_counts.n_4, 0) as n_4,
        coalesce(candidate_counts.n_5, 0) as n_5,
        coalesce(candidate_counts.n_6, 0) as n_6,
        coalesce(episode_counts.n_7, 0) as n_7,
        coalesce(episode_counts.n_8, 0) as n_8
    from datasets
    left join person_counts on datasets.dataset_id = person_counts.dataset_id
    left join mdd_counts on datasets.dataset_id = mdd_counts.dataset_id
    left join candidate_counts on datasets.dataset_id = candidate_counts.dataset_id
    left join episode_counts on datasets.dataset_id = episode_counts.dataset_id
),

steps as (
    select dataset_id, 1 as step, 'Persons in the dataset' as description, n_1 as n_remaining from counts
    union all
    select dataset_id, 2, 'Persons with a major depressive disorder diagnosis', n_2 from counts
    union all
    select dataset_id, 3, 'Persons with a new-user index (no same-drug exposure, or no ECT, in the {{ var("washout_days") }} days before) on or after an MDD diagnosis', n_3 from counts
    union all
    select dataset_id, 4, 'Persons whose index lies in an observation period that began >= {{ var("prior_observation_days") }} days before', n_4 from counts
    union all
    select dataset_id, 5, 'Persons meeting the TRD rule (>= {{ var("min_failed_trials") }} other antidepressants with adequate trials of >= {{ var("adequate_trial_days") }} days in the {{ var("trd_lookback_days") }} days before index)', n_5 from counts
    union all
    select dataset_id, 6, 'Persons without a bipolar disorder, schizophrenia or psychotic disorder record on or before that index (TRD phenotype exclusions)', n_6 from counts
    union all
    select dataset_id, 7, 'Persons with an episode (one per person and treatment class: the earliest qualifying index)', n_7 from counts
    union all
    select dataset_id, 8, 'Persons with a baseline score (any scale, {{ var("baseline_lookback_days") }} days before index to index) for at least one episode', n_8 from counts
),

final as (
    select
        dataset_id,
        step,
        description,
        cast(n_remaining as bigint) as n_remaining,
        cast(
            coalesce(
                lag(n_remaining) over (partition by dataset_id order by step) - n_remaining,
                0
            ) as bigint
        ) as n_excluded
    from steps
)

select * from final
