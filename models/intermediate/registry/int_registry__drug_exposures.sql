-- Drug exposures of the four treatment concept sets (docs/derivations.md#registry-cohort), one row per exposure and
-- drug key, with the end date docs/derivations.md#drug-eras prescribes: drug_exposure_end_date, else
-- start + days_supply - 1 (days_supply >= 1), else the start date.
-- Drug key: the ingredient concept (as text) for standard ADs, so eras and adequate trials are per
-- ingredient; the class name for ketamine, esketamine and augmentation, so a switch between two
-- augmentation agents continues one era.

with exposures as (
    select * from {{ ref('stg_registry__drug_exposure') }}
),

drug_map as (
    -- (a QUALIFY in DuckDB; Spark has none)
    -- a product holding two agents of one drug key (rare) counts once for that key; deduplicated
    -- here, on the small vocabulary side, so the exposures need no window
    select * except (row_rank)
    from (
        select
            dataset_id,
            concept_id,
            concept_set as treatment_class,
            case
                when concept_set = 'standard_ad' then cast(seed_concept_id as {{ dbt.type_string() }})
                else concept_set
            end as drug_key,
            seed_concept_id,
            seed_concept_name,
            ad_class,
            row_number() over (
                partition by
                    dataset_id,
                    concept_id,
                    case when concept_set = 'standard_ad' then cast(seed_concept_id as {{ dbt.type_string() }}) else concept_set end
                order by seed_concept_id
            ) as row_rank
        from {{ ref('int_registry__concept_map') }}
        where concept_set in ('ketamine', 'esketamine', 'standard_ad', 'augmentation')
    ) as ranked
    where row_rank = 1
),

mapped as (
    select
        exposures.dataset_id,
        exposures.person_id,
        exposures.drug_exposure_id,
        drug_map.treatment_class,
        drug_map.drug_key,
        drug_map.seed_concept_id as ingredient_concept_id,
        drug_map.seed_concept_name as ingredient,
        drug_map.ad_class,
        exposures.drug_exposure_start_date as start_date,
        coalesce(
            exposures.drug_exposure_end_date,
            case
                when exposures.days_supply >= 1
                    then exposures.drug_exposure_start_date + (exposures.days_supply - 1)
            end,
            exposures.drug_exposure_start_date
        ) as end_date
    from exposures
    inner join drug_map
        on exposures.dataset_id = drug_map.dataset_id
        and exposures.drug_concept_id = drug_map.concept_id
)

select * from mapped
