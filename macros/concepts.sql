{#- The concept-set membership rules (docs/code-lists.md), written once for the models
    (int_registry__concept_map, int_registry__clinical_records) and the raw registry checks
    (expectations/suites/registry.py renders these macros on the staged tables). -#}

{#- A dataset concept is a code-list entry by its vocabulary code: same vocabulary, same code (a
    dataset whose vocabulary numbers the concept differently still matches). `concept` and
    `code_list` name relations with vocabulary_id and concept_code. -#}
{% macro concept_matches_code(concept, code_list) -%}
    ({{ concept }}.vocabulary_id = {{ code_list }}.vocabulary_id
        and {{ concept }}.concept_code = {{ code_list }}.concept_code)
{%- endmacro %}


{#- Every concept of each dataset that belongs to a code list, one row per seed row and route
    (docs/code-lists.md). Three routes:
      seed      the seed row's own concept_id (a record coded directly at ingredient level counts);
      code      the dataset's concept with the seed row's vocabulary code (concept_matches_code);
      ancestor  a descendant, through the dataset's concept_ancestor, of a concept of the first two.
    Arguments name relations: `datasets` (dataset_id), `seed_rows` (seed_concept_id, vocabulary_id,
    concept_code and the seed columns to carry along; a null concept_code matches no concept),
    `concepts` (dataset_id, concept_id, vocabulary_id, concept_code) and `ancestors` (dataset_id,
    ancestor_concept_id, descendant_concept_id). Columns: dataset_id, concept_id, the seed row's,
    match_route. A concept can come by several routes; callers keep the one they need. -#}
{% macro concept_set_matches(datasets, seed_rows, concepts, ancestors) -%}
    with anchors as (
        select
            datasets.dataset_id,
            seed_rows.seed_concept_id as concept_id,
            seed_rows.*,
            'seed' as match_route
        from {{ datasets }} as datasets
        cross join {{ seed_rows }} as seed_rows
        union all
        select
            concepts.dataset_id,
            concepts.concept_id,
            seed_rows.*,
            'code' as match_route
        from {{ concepts }} as concepts
        inner join {{ seed_rows }} as seed_rows
            on {{ concept_matches_code('concepts', 'seed_rows') }}
    )

    select * from anchors
    union all
    select
        anchors.dataset_id,
        ancestors.descendant_concept_id as concept_id,
        anchors.* except (dataset_id, concept_id, match_route),
        'ancestor' as match_route
    from anchors
    inner join {{ ancestors }} as ancestors
        on anchors.dataset_id = ancestors.dataset_id
        and anchors.concept_id = ancestors.ancestor_concept_id
    where ancestors.descendant_concept_id <> anchors.concept_id
{%- endmacro %}


{#- A record without a concept (0 or null, as Synthea-style exports store scores) belongs to a
    concept set by its source value, when that is one of the set's LOINC codes (`code`). -#}
{% macro record_matches_source_code(concept_id, source_value, code) -%}
    (coalesce({{ concept_id }}, 0) = 0 and {{ source_value }} = {{ code }})
{%- endmacro %}
