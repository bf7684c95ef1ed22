-- Concept-set diagnostics per registry dataset and code list, as OHDSI CohortDiagnostics gives
-- them ("included concepts" and "orphan concepts"); `trd check` copies them into
-- dq.concept_set_diagnostics and prints a line per code list, the data-quality page shows them.
--   matched  a concept present in the records that the code list found (int_registry__concept_map:
--            the seed id, the dataset's concept with the seed's code, or a descendant of either),
--            with the seed row it rolled up to (`via`) and how; Synthea-style score and
--            biomarker records with concept 0 found by their LOINC source value appear as concept
--            0, route 'source_value'.
--   orphan   a concept present in the records, named in the dataset's concept table, whose name
--            holds every word of the name of one of the code list's entries (whole words, case
--            and punctuation ignored: "Bipolar disorder" finds "Bipolar I disorder, most recent
--            episode depressed"; "ketamine" finds "ketamine 10 MG/ML Injectable Solution" but
--            never "esketamine"), but which the expanded code list misses: a gap in the
--            dataset's concept_ancestor, a source concept left unmapped, or an entry the code
--            list should have. Without a concept table there are no names, so no orphans.
-- Records are counted in the tables of the code list's domain (seed domain_id): Drug in
-- drug_exposure, Condition in condition_occurrence, Procedure in procedure_occurrence, Measurement
-- and Observation in measurement and observation together (registries keep scores and labs in
-- either, docs/dataset-contract.md#registry-files-omop-cdm-v54). n_records counts records, n_persons distinct persons.

with concept_sets as (
    select
        concept_set,
        concept_id as seed_concept_id,
        concept_name as seed_concept_name,
        vocabulary_id,
        concept_code,
        case when domain_id = 'Observation' then 'Measurement' else domain_id end as record_domain
    from {{ ref('concept_sets') }}
),

concept_map as (
    select * from {{ ref('int_registry__concept_map') }}
),

concepts as (
    select * from {{ ref('stg_registry__concept') }}
),

records as (
    select dataset_id, 'Condition' as record_domain, person_id,
        condition_concept_id as concept_id, condition_source_value as source_value
    from {{ ref('stg_registry__condition_occurrence') }}
    union all
    select dataset_id, 'Drug', person_id, drug_concept_id, drug_source_value
    from {{ ref('stg_registry__drug_exposure') }}
    union all
    select dataset_id, 'Procedure', person_id, procedure_concept_id, procedure_source_value
    from {{ ref('stg_registry__procedure_occurrence') }}
    union all
    select dataset_id, 'Measurement', person_id, measurement_concept_id, measurement_source_value
    from {{ ref('stg_registry__measurement') }}
    union all
    select dataset_id, 'Measurement', person_id, observation_concept_id, observation_source_value
    from {{ ref('stg_registry__observation') }}
),

concept_counts as (
    select
        dataset_id,
        record_domain,
        concept_id,
        count(*) as n_records,
        count(distinct person_id) as n_persons
    from records
    where coalesce(concept_id, 0) <> 0
    group by dataset_id, record_domain, concept_id
),

source_value_counts as (
    select
        dataset_id,
        record_domain,
        source_value,
        count(*) as n_records,
        count(distinct person_id) as n_persons
    from records
    where coalesce(concept_id, 0) = 0
        and record_domain = 'Measurement'
        and source_value in (
            select concept_code from concept_sets
            where vocabulary_id = 'LOINC' and concept_code is not null
        )
    group by dataset_id, record_domain, source_value
),

matched_by_concept as (
    select
        concept_map.dataset_id,
        concept_map.concept_set,
        'matched' as kind,
        concept_map.concept_id,
        coalesce(
            concepts.concept_name,
            case when concept_map.concept_id = concept_sets.seed_concept_id
                then concept_sets.seed_concept_name end
        ) as concept_name,
        concepts.vocabulary_id,
        concepts.concept_code,
        concept_sets.seed_concept_id as via_concept_id,
        concept_sets.seed_concept_name as via_concept_name,
        concept_map.match_route,
        concept_counts.n_records,
        concept_counts.n_persons
    from concept_map
    inner join concept_sets
        on concept_map.seed_concept_id = concept_sets.seed_concept_id
    inner join concept_counts
        on concept_map.dataset_id = concept_counts.dataset_id
        and concept_map.concept_id = concept_counts.concept_id
        and concept_sets.record_domain = concept_counts.record_domain
    left join concepts
        on concept_map.dataset_id = concepts.dataset_id
        and concept_map.concept_id = concepts.concept_id
),

matched_by_source_value as (
    select
        source_value_counts.dataset_id,
        concept_sets.concept_set,
        'matched' as kind,
        0 as concept_id,
        cast(null as {{ dbt.type_string() }}) as concept_name,
        concept_sets.vocabulary_id,
        concept_sets.concept_code,
        concept_sets.seed_concept_id as via_concept_id,
        concept_sets.seed_concept_name as via_concept_name,
        'source_value' as match_route,
        source_value_counts.n_records,
        source_value_counts.n_persons
    from source_value_counts
    inner join concept_sets
        on source_value_counts.source_value = concept_sets.concept_code
        and source_value_counts.record_domain = concept_sets.record_domain
        and concept_sets.vocabulary_id = 'LOINC'
),

named_present as (
    select
        concept_counts.*,
        concepts.concept_name,
        concepts.vocabulary_id,
        concepts.concept_code,
        {{ words('concepts.concept_name') }}
            as name_words
    from concept_counts
    inner join concepts
        on concept_counts.dataset_id = concepts.dataset_id
        and concept_counts.concept_id = concepts.concept_id
),

search_terms as (
    select
        *,
        {{ words('seed_concept_name') }}
            as term_words
    from concept_sets
),

orphan_hits as (
    -- (a QUALIFY in DuckDB; Spark has none)
    -- one row per orphan and code list: the entry with the most words matched, then the lowest id
    select * except (row_rank)
    from (
        select
            named_present.dataset_id,
            search_terms.concept_set,
            'orphan' as kind,
            named_present.concept_id,
            named_present.concept_name,
            named_present.vocabulary_id,
            named_present.concept_code,
            search_terms.seed_concept_id as via_concept_id,
            search_terms.seed_concept_name as via_concept_name,
            cast(null as {{ dbt.type_string() }}) as match_route,
            named_present.n_records,
            named_present.n_persons,
            row_number() over (
                partition by named_present.dataset_id, search_terms.concept_set, named_present.concept_id
                order by {{ list_length('search_terms.term_words') }} desc, search_terms.seed_concept_id
            ) as row_rank
        from named_present
        inner join search_terms
            on named_present.record_domain = search_terms.record_domain
            and {{ list_contains_all('named_present.name_words', 'search_terms.term_words') }}
        anti join concept_map
            on named_present.dataset_id = concept_map.dataset_id
            and named_present.concept_id = concept_map.concept_id
            and search_terms.concept_set = concept_map.concept_set
    ) as ranked
    where row_rank = 1
),

final as (
    select * from matched_by_concept
    union all
    select * from matched_by_source_value
    union all
    select * from orphan_hits
)

select
    dataset_id,
    concept_set,
    kind,
    cast(concept_id as bigint) as concept_id,
    concept_name,
    vocabulary_id,
    concept_code,
    cast(via_concept_id as bigint) as via_concept_id,
    via_concept_name,
    match_route,
    cast(n_records as bigint) as n_records,
    cast(n_persons as bigint) as n_persons
from final
