-- New-user index candidates (SPEC 5): era starts of any class with no exposure to the same drug
-- key in the washout_days (365) before. Exact reading: a start S is a candidate when no exposure
-- of that drug key has start < S and end >= S - 365. Because eras are built with a running
-- maximum end, the latest end of all earlier exposures is the previous era's end, so the test is
-- previous_era_end < S - 365 (an exposure ending at S - 365 blocks, one ending at S - 366 does
-- not). An era that starts after a gap of more than 30 but at most 365 days is therefore a new
-- era but not a new-user candidate.

with eras as (
    select * from {{ ref('int_registry__drug_eras') }}
),

with_previous as (
    select
        *,
        lag(era_end_date) over (
            partition by dataset_id, person_id, drug_key
            order by era_start_date
        ) as previous_era_end_date
    from eras
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
        era_start_date as index_date,
        era_end_date,
        previous_era_end_date
    from with_previous
    where previous_era_end_date is null
        or previous_era_end_date < era_start_date - {{ var('washout_days') }}
)

select * from final
