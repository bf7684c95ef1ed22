{#- The covariates of the propensity model (seed adjustment_covariates) for every registry
    episode, measured at its index date; the baseline score, the only one that depends on the
    scale, comes from episode_outcomes in int_adjustment__populations.
      age                     age at index, top-coded at 90 (the episode's own age);
      female                  sex = 'F' (an unknown sex counts as not female);
      prior_adequate_trials   the episode's prior_failures: distinct standard-AD ingredients with
                              an adequate trial in the TRD lookback (the count of docs/derivations.md#adequate-trials);
      prior_observation_days  index - start of the observation period holding the index (the
                              earliest start when periods overlap);
      index_year              calendar year of the index date;
      prior_augmentation      an augmentation exposure overlapping the covariate_lookback_days
                              (730) before index, index day excluded (the episode's own
                              augmentation starts on index and does not count);
      prior_ect               an ECT course overlapping the same window;
      mdd_recurrent           a condition of the code list mdd_recurrent (with descendants)
                              recorded on or before index.
    Every covariate is known for every episode (absence of a record is a 0), so no episode
    leaves the adjusted analysis for a missing covariate. -#}

with episodes as (
    select
        *,
        cast(person_key as bigint) as person_id
    from {{ ref('int_registry__episodes') }}
),

periods as (
    select * from {{ ref('stg_registry__observation_period') }}
),

exposures as (
    select * from {{ ref('int_registry__drug_exposures') }}
    where treatment_class = 'augmentation'
),

ect_courses as (
    select * from {{ ref('int_registry__ect_courses') }}
),

conditions as (
    select * from {{ ref('stg_registry__condition_occurrence') }}
),

recurrent_concepts as (
    select distinct dataset_id, concept_id
    from {{ ref('int_registry__concept_map') }}
    where concept_set = 'mdd_recurrent'
),

observed_since as (
    select
        episodes.episode_key,
        min(periods.observation_period_start_date) as observation_start_date
    from episodes
    inner join periods
        on episodes.dataset_id = periods.dataset_id
        and episodes.person_id = periods.person_id
        and episodes.index_date between periods.observation_period_start_date
            and periods.observation_period_end_date
    group by episodes.episode_key
),

augmented as (
    select distinct episodes.episode_key
    from episodes
    inner join exposures
        on episodes.dataset_id = exposures.dataset_id
        and episodes.person_id = exposures.person_id
        and exposures.start_date < episodes.index_date
        and exposures.end_date >= episodes.index_date - {{ var('covariate_lookback_days') }}
),

had_ect as (
    select distinct episodes.episode_key
    from episodes
    inner join ect_courses
        on episodes.dataset_id = ect_courses.dataset_id
        and episodes.person_id = ect_courses.person_id
        and ect_courses.course_start_date < episodes.index_date
        and ect_courses.course_end_date >= episodes.index_date - {{ var('covariate_lookback_days') }}
),

recurrent as (
    select distinct episodes.episode_key
    from episodes
    inner join conditions
        on episodes.dataset_id = conditions.dataset_id
        and episodes.person_id = conditions.person_id
        and conditions.condition_start_date <= episodes.index_date
    inner join recurrent_concepts
        on conditions.dataset_id = recurrent_concepts.dataset_id
        and conditions.condition_concept_id = recurrent_concepts.concept_id
),

final as (
    select
        episodes.dataset_id,
        episodes.person_key,
        episodes.episode_key,
        episodes.treatment_class,
        episodes.index_date,
        episodes.age,
        episodes.sex = 'F' as female,
        episodes.prior_failures as prior_adequate_trials,
        {{ days_between('observed_since.observation_start_date', 'episodes.index_date') }}
            as prior_observation_days,
        cast(year(episodes.index_date) as integer) as index_year,
        augmented.episode_key is not null as prior_augmentation,
        had_ect.episode_key is not null as prior_ect,
        recurrent.episode_key is not null as mdd_recurrent
    from episodes
    left join observed_since on episodes.episode_key = observed_since.episode_key
    left join augmented on episodes.episode_key = augmented.episode_key
    left join had_ect on episodes.episode_key = had_ect.episode_key
    left join recurrent on episodes.episode_key = recurrent.episode_key
)

select * from final
