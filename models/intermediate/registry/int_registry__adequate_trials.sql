-- Adequate antidepressant trials (docs/derivations.md#adequate-trials): standard-AD eras lasting at least adequate_trial_days
-- (42) days, era length = end - start + 1. The TRD rule counts distinct ingredients among them.

with eras as (
    select * from {{ ref('int_registry__drug_eras') }}
),

final as (
    select
        dataset_id,
        person_id,
        drug_key,
        ingredient_concept_id,
        ingredient,
        ad_class,
        era_start_date as trial_start_date,
        era_end_date as trial_end_date,
        era_days as trial_days
    from eras
    where treatment_class = 'standard_ad'
        and era_days >= {{ var('adequate_trial_days') }}
)

select * from final
