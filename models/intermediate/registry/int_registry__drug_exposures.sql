-- Drug exposures of the four treatment concept sets (SPEC 5 "Registry"), one row per exposure and
-- drug key, with the end date SPEC 5 prescribes: drug_exposure_end_date, else
-- start + days_supply - 1 (days_supply >= 1), else the start date.
-- Drug key: the ingredient concept (as text) for standard ADs, so eras and adequate trials are per
-- ingredient; the class name for ketamine, esketamine and augmentation, so a switch between two
-- augmentation agents continues one era.

with exposures as (
    select * from {{ ref('stg_registry__drug_exposure') }}
),

concept_map as (
    select * from {{ ref('int_registry__concept_map') }}
    where concept_set in ('ketamine', 'esketamine', 'standard_ad', 'augmentation')
),

mapped as (
    select
        exposures.dataset_id,
        exposures.person_id,
        exposures.drug_exposure_id,
        concept_map.concept_set as treatment_class,
        case
            when concept_map.concept_set = 'standard_ad'
                then cast(concept_map.seed_concept_id as varchar)
            else concept_map.concept_set
        end as drug_key,
        concept_map.seed_concept_id as ingredient_concept_id,
        concept_map.seed_concept_name as ingredient,
        concept_map.ad_class,
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
    inner join concept_map
        on exposures.dataset_id = concept_map.dataset_id
        and exposures.drug_concept_id = concept_map.concept_id
),

final as (
    select * from mapped
    -- a product holding two agents of one drug key (rare) counts once for that key
    qualify row_number() over (
        partition by dataset_id, drug_exposure_id, drug_key
        order by ingredient_concept_id
    ) = 1
)

select * from final
