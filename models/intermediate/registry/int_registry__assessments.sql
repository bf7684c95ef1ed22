-- Depression scale totals of each registry episode's person (docs/derivations.md#scales), in the harmonised
-- assessment interface shared with int_trial__assessments. Scores come from observation and
-- measurement alike. A record is a score of scale X when its concept is in the concept set
-- `<x>_total` (with descendants, int_registry__concept_map), or, for records whose concept is 0
-- or null (Synthea-style exports), when its *_source_value equals the seed's LOINC code. The scale
-- name is the concept set name without `_total`, upper-cased (phq9_total -> PHQ9).
-- study_day = record date - index date (docs/derivations.md#day-after-index: registry day after index). Out-of-range values are
-- rejected at ingest (GX), so none are filtered here.

with episodes as (
    select * from {{ ref('int_registry__episodes') }}
),

concept_map as (
    select * from {{ ref('int_registry__concept_map') }}
    where concept_set like '%!_total' escape '!'
),

score_codes as (
    select distinct concept_set, concept_code
    from {{ ref('concept_sets') }}
    where concept_set like '%!_total' escape '!'
        and vocabulary_id = 'LOINC'
        and concept_code is not null
),

episode_persons as (
    select distinct dataset_id, cast(person_key as bigint) as person_id
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
        measurement_source_value as source_value
    from {{ ref('stg_registry__measurement') }}
    semi join episode_persons using (dataset_id, person_id)
    where value_as_number is not null
),

by_concept as (
    select
        records.*,
        concept_map.concept_set
    from records
    inner join concept_map
        on records.dataset_id = concept_map.dataset_id
        and records.concept_id = concept_map.concept_id
),

by_source_value as (
    select
        records.*,
        score_codes.concept_set
    from records
    inner join score_codes
        on records.source_value = score_codes.concept_code
    where coalesce(records.concept_id, 0) = 0
),

scored as (
    select * from by_concept
    union all
    select * from by_source_value
),

distinct_scores as (
    select distinct
        dataset_id,
        table_name,
        source_id,
        person_id,
        record_date,
        value_as_number,
        upper(replace(concept_set, '_total', '')) as scale
    from scored
),

final as (
    select
        episodes.dataset_id,
        episodes.episode_key,
        distinct_scores.scale,
        cast({{ days_between('episodes.index_date', 'distinct_scores.record_date') }} as integer) as study_day,
        cast(distinct_scores.value_as_number as double) as value,
        false as is_anl01,
        cast(null as {{ dbt.type_string() }}) as visit_timepoint,
        distinct_scores.table_name || ':' || cast(distinct_scores.source_id as {{ dbt.type_string() }})
            as record_id
    from episodes
    inner join distinct_scores
        on episodes.dataset_id = distinct_scores.dataset_id
        and cast(episodes.person_key as bigint) = distinct_scores.person_id
)

select * from final
