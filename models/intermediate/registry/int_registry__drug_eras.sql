-- Drug eras (SPEC 5): per person and drug key, exposures sorted by start; an exposure joins the era
-- before it when next_start - era_end <= era_gap_days (the OHDSI persistence window), where the
-- era end is the running maximum of the end dates so far, so overlapping and nested exposures
-- merge. Gaps and islands with window functions only: no self-join of exposures.

with exposures as (
    select * from {{ ref('int_registry__drug_exposures') }}
),

with_running_end as (
    select
        *,
        max(end_date) over (
            partition by dataset_id, person_id, drug_key
            order by start_date, end_date, drug_exposure_id
            rows between unbounded preceding and 1 preceding
        ) as running_end_before
    from exposures
),

flagged as (
    select
        *,
        case
            when running_end_before is null then 1
            when start_date - running_end_before > {{ var('era_gap_days') }} then 1
            else 0
        end as starts_era
    from with_running_end
),

numbered as (
    select
        *,
        sum(starts_era) over (
            partition by dataset_id, person_id, drug_key
            order by start_date, end_date, drug_exposure_id
            rows between unbounded preceding and current row
        ) as era_number
    from flagged
),

eras as (
    select
        dataset_id,
        person_id,
        drug_key,
        era_number,
        any_value(treatment_class) as treatment_class,
        -- the agent that opened the era (augmentation eras may switch agents)
        arg_min(ingredient_concept_id, [epoch(start_date), drug_exposure_id]) as ingredient_concept_id,
        arg_min(ingredient, [epoch(start_date), drug_exposure_id]) as ingredient,
        arg_min(ad_class, [epoch(start_date), drug_exposure_id]) as ad_class,
        min(start_date) as era_start_date,
        max(end_date) as era_end_date,
        count(*) as n_exposures
    from numbered
    group by dataset_id, person_id, drug_key, era_number
),

final as (
    select
        dataset_id,
        person_id,
        drug_key,
        era_number,
        treatment_class,
        ingredient_concept_id,
        ingredient,
        ad_class,
        era_start_date,
        era_end_date,
        era_end_date - era_start_date + 1 as era_days,
        n_exposures
    from eras
)

select * from final
