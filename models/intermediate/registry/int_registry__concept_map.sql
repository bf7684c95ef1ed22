-- Every concept of a registry dataset that belongs to a concept set (docs/dataset-contract.md#registry-files-omop-cdm-v54 and docs/code-lists.md), with the seed
-- row it rolls up to. Three routes (macro concept_set_matches, which the raw registry checks
-- render too):
--   seed      the seed's own concept_id (a record coded directly at ingredient level counts);
--   code      the dataset's concept table holds the seed's (vocabulary_id, concept_code), so the
--             dataset's own id for it counts too (covers local placeholder ids in the seed and
--             vocabulary versions that renumbered a concept);
--   ancestor  a descendant, through the dataset's concept_ancestor, of a concept found by the
--             first two routes (clinical drug -> ingredient, MDD subtype -> MDD).
-- A concept can belong to several seed rows (a fluoxetine/olanzapine product is both a standard
-- AD and an augmentation agent); each pairing is one row.

with concept_sets as (
    select * from {{ ref('concept_sets') }}
),

ad_classes as (
    select * from {{ ref('antidepressant_classes') }}
),

datasets as (
    select dataset_id from {{ ref('stg_meta__datasets') }}
    where source = 'registry'
),

concepts as (
    select * from {{ ref('stg_registry__concept') }}
),

ancestors as (
    select * from {{ ref('stg_registry__concept_ancestor') }}
),

seed_rows as (
    select
        concept_sets.concept_set,
        concept_sets.concept_id as seed_concept_id,
        lower(concept_sets.concept_name) as seed_concept_name,
        concept_sets.vocabulary_id,
        concept_sets.concept_code,
        ad_classes.ad_class
    from concept_sets
    left join ad_classes
        on concept_sets.concept_id = ad_classes.concept_id
    where concept_sets.concept_id is not null
),

all_matches as (
    {{ concept_set_matches('datasets', 'seed_rows', 'concepts', 'ancestors') }}
),

final as (
    -- (a QUALIFY in DuckDB; Spark has none)
    -- one row per concept and seed row; the most direct route wins
    select * except (row_rank)
    from (
        select
            dataset_id,
            concept_id,
            concept_set,
            seed_concept_id,
            seed_concept_name,
            ad_class,
            match_route,
            row_number() over (
                partition by dataset_id, concept_id, seed_concept_id
                order by case match_route when 'seed' then 1 when 'code' then 2 else 3 end
            ) as row_rank
        from all_matches
    ) as ranked
    where row_rank = 1
)

select * from final
