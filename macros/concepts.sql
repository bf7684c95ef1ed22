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


{#- A record without a concept (0 or null, as Synthea-style exports store scores) belongs to a
    concept set by its source value, when that is one of the set's LOINC codes (`code`). -#}
{% macro record_matches_source_code(concept_id, source_value, code) -%}
    (coalesce({{ concept_id }}, 0) = 0 and {{ source_value }} = {{ code }})
{%- endmacro %}
