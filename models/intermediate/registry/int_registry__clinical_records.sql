{#- Clinical records of every registry episode's person, both OMOP tables that carry them
    (observation and measurement), recognised by concept set and placed in time once, for every
    model that reads scores or biomarkers (int_registry__assessments, int_biomarkers__records).

    A record belongs to concept set X when its concept is in X (with descendants,
    int_registry__concept_map), or, for records whose concept is 0 or null (Synthea-style
    exports), when its *_source_value equals one of X's LOINC codes in the seed. Records without
    a value are not values and are dropped. study_day = record date - index date (docs/derivations.md#day-after-index:
    registry day after index). One row per episode, record and concept set (a person with two
    episodes has each record once per episode). -#}

with episodes as (
    select * from {{ ref('int_registry__episodes') }}
),

concept_map as (
    select * from {{ ref('int_registry__concept_map') }}
),

loinc_codes as (
    select distinct
        concept_set,
        concept_code
    from {{ ref('concept_sets') }}
    where
        vocabulary_id = 'LOINC'
        and concept_code is not null
),

episode_persons as (
    select distinct
        dataset_id,
        cast(person_key as bigint) as person_id
    from episodes
),

records as (
    select
        dataset_id,
        'observation' as table_name,
        observation_id as source_id,
        person_id,
        observation_concept_id as concept_id,
        observation_date as record_date,
        value_as_number,
        unit_concept_id,
        unit_source_value,
        observation_source_value as source_value
    from {{ ref('stg_registry__observation') }}
    semi join episode_persons using (dataset_id, person_id)
    where value_as_number is not null
    union all
    select
        dataset_id,
        'measurement' as table_name,
        measurement_id as source_id,
        person_id,
        measurement_concept_id as concept_id,
        measurement_date as record_date,
        value_as_number,
        unit_concept_id,
        unit_source_value,
        measurement_source_value as source_value
    from {{ ref('stg_registry__measurement') }}
    semi join episode_persons using (dataset_id, person_id)
    where value_as_number is not null
),

matched as (
    select
        records.*,
        concept_map.concept_set
    from records
    inner join concept_map
        on
            records.dataset_id = concept_map.dataset_id
            and records.concept_id = concept_map.concept_id
    union
    select
        records.*,
        loinc_codes.concept_set
    from records
    inner join loinc_codes
        on {{ record_matches_source_code('records.concept_id', 'records.source_value', 'loinc_codes.concept_code') }}
),

final as (
    select
        episodes.dataset_id,
        episodes.episode_key,
        matched.concept_set,
        matched.table_name,
        matched.source_id,
        matched.concept_id,
        matched.record_date,
        cast({{ days_between('episodes.index_date', 'matched.record_date') }} as integer) as study_day,
        matched.value_as_number,
        matched.unit_concept_id,
        matched.unit_source_value,
        matched.source_value,
        matched.table_name || ':' || cast(matched.source_id as {{ dbt.type_string() }}) as record_id
    from episodes
    inner join matched
        on
            episodes.dataset_id = matched.dataset_id
            and cast(episodes.person_key as bigint) = matched.person_id
)

select * from final
