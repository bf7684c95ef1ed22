-- New-user index candidates (docs/derivations.md#index-candidates): starts of a drug era of any class and of an ECT course
-- (int_registry__ect_courses) with no exposure to the same drug key (for ECT: no ECT session) in
-- the washout_days (365) before. Exact reading: a start S is a candidate when no exposure of that
-- drug key has start < S and end >= S - 365. Because eras and courses are built with a running
-- maximum end, the latest end of all earlier exposures is the previous era's (course's) end, so
-- the test is previous_era_end < S - 365 (an exposure ending at S - 365 blocks, one ending at
-- S - 366 does not). An era that starts after a gap of more than 30 but at most 365 days is
-- therefore a new era but not a new-user candidate.

with eras as (
    select * from {{ ref('int_registry__drug_eras') }}
),

ect_courses as (
    select * from {{ ref('int_registry__ect_courses') }}
),

treatment_periods as (
    select
        dataset_id,
        person_id,
        drug_key,
        treatment_class,
        ingredient_concept_id,
        ingredient,
        ad_class,
        era_start_date as period_start_date,
        era_end_date as period_end_date
    from eras
    union all
    select
        dataset_id,
        person_id,
        drug_key,
        treatment_class,
        ingredient_concept_id,
        ingredient,
        cast(null as {{ dbt.type_string() }}) as ad_class,
        course_start_date as period_start_date,
        course_end_date as period_end_date
    from ect_courses
),

with_previous as (
    select
        *,
        lag(period_end_date) over (
            partition by dataset_id, person_id, drug_key
            order by period_start_date
        ) as previous_era_end_date
    from treatment_periods
),

final as (
    select
        dataset_id,
        person_id,
        drug_key,
        treatment_class,
        ingredient_concept_id,
        ingredient,
        ad_class,
        period_start_date as index_date,
        period_end_date as era_end_date,
        previous_era_end_date
    from with_previous
    where previous_era_end_date is null
        or previous_era_end_date < period_start_date - {{ var('washout_days') }}
)

select * from final
