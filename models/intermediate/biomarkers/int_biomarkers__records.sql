{#- Immune biomarker records of every episode, both sources, in one shape and in each marker's
    standard unit (seed biomarker_units: CRP mg/L, IL-6 and TNF-alpha pg/mL, C3 and C4 g/L).

    Trial: ADLB rows whose PARAMCD is a biomarker (seed biomarker_parameters), joined to the
    trial's episodes by USUBJID; AVAL and ADY present and ADY not 0 (as for scores); study_day is
    the day after index of docs/derivations.md#day-after-index (macro trial_study_day); AVISIT maps to a timepoint through the
    dataset's `visits`, as for scores.
    Registry: measurement and observation rows of an episode's person recognised as the scores
    are (int_registry__concept_map, or the LOINC source value when the concept is 0);
    study_day = record date - index date.
    Units: the text unit (AVALU, unit_source_value; trimmed, lower-case) decides; a registry row
    whose text is missing or unknown is read by its unit concept (the GX unit check accepts
    either). A row in a unit the seed does not know is left out
    here: the GX suites fail it at error level, so it never reaches a published number. -#}

with adlb as (
    select * from {{ ref('stg_trial__adlb') }}
),

trial_episodes as (
    select * from {{ ref('int_trial__episodes') }}
),

registry_episodes as (
    select * from {{ ref('int_registry__episodes') }}
),

parameters as (
    select * from {{ ref('biomarker_parameters') }}
),

units as (
    select * from {{ ref('biomarker_units') }}
),

visits as (
    select * from {{ ref('stg_meta__dataset_visits') }}
),

concept_map as (
    select * from {{ ref('int_registry__concept_map') }}
    where concept_set in (select marker from units)
),

marker_codes as (
    select distinct
        concept_set as marker,
        concept_code
    from {{ ref('concept_sets') }}
    where
        concept_set in (select marker from units)
        and vocabulary_id = 'LOINC'
        and concept_code is not null
),

trial_records as (
    select
        adlb.dataset_id,
        episodes.episode_key,
        parameters.marker,
        adlb.ady,
        {{ trial_study_day('adlb.ady') }} as study_day,
        adlb.aval * units.factor_to_standard as value,
        adlb.aval as source_value,
        adlb.avalu as source_unit,
        coalesce(adlb.ablfl = 'Y', false) as is_ablfl,
        visits.timepoint as visit_timepoint,
        'adlb:' || lpad(cast(adlb.source_row_number as {{ dbt.type_string() }}), 10, '0')
            as record_id
    from adlb
    inner join trial_episodes as episodes
        on
            adlb.dataset_id = episodes.dataset_id
            and adlb.usubjid = episodes.person_key
    inner join parameters
        on adlb.paramcd = parameters.paramcd
    inner join units
        on
            parameters.marker = units.marker
            and lower(adlb.avalu) = units.unit
    left join visits
        on
            adlb.dataset_id = visits.dataset_id
            and adlb.avisit = visits.avisit
    where
        adlb.aval is not null
        and adlb.ady is not null
        and adlb.ady <> 0
),

episode_persons as (
    select distinct
        dataset_id,
        cast(person_key as bigint) as person_id
    from registry_episodes
),

registry_rows as (
    select
        dataset_id,
        'observation' as table_name,
        observation_id as source_id,
        person_id,
        observation_concept_id as concept_id,
        observation_date as record_date,
        value_as_number,
        unit_concept_id,
        lower(unit_source_value) as unit_text,
        observation_source_value as code
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
        lower(unit_source_value) as unit_text,
        measurement_source_value as code
    from {{ ref('stg_registry__measurement') }}
    semi join episode_persons using (dataset_id, person_id)
    where value_as_number is not null
),

registry_marked as (
    select distinct
        registry_rows.*,
        concept_map.concept_set as marker
    from registry_rows
    inner join concept_map
        on
            registry_rows.dataset_id = concept_map.dataset_id
            and registry_rows.concept_id = concept_map.concept_id
    union
    select
        registry_rows.*,
        marker_codes.marker
    from registry_rows
    inner join marker_codes
        on registry_rows.code = marker_codes.concept_code
    where coalesce(registry_rows.concept_id, 0) = 0
),

registry_converted as (
    select
        registry_marked.*,
        coalesce(by_text.factor_to_standard, by_concept.factor_to_standard) as factor,
        coalesce(by_text.unit, by_concept.unit) as source_unit
    from registry_marked
    left join units as by_text
        on
            registry_marked.marker = by_text.marker
            and registry_marked.unit_text = by_text.unit
    left join units as by_concept
        on
            registry_marked.marker = by_concept.marker
            and registry_marked.unit_concept_id = by_concept.unit_concept_id
),

registry_records as (
    select
        episodes.dataset_id,
        episodes.episode_key,
        converted.marker,
        cast(null as integer) as ady,
        cast({{ days_between('episodes.index_date', 'converted.record_date') }} as integer) as study_day,
        converted.value_as_number * converted.factor as value,
        converted.value_as_number as source_value,
        converted.source_unit,
        false as is_ablfl,
        cast(null as {{ dbt.type_string() }}) as visit_timepoint,
        converted.table_name || ':' || cast(converted.source_id as {{ dbt.type_string() }})
            as record_id
    from registry_episodes as episodes
    inner join registry_converted as converted
        on
            episodes.dataset_id = converted.dataset_id
            and cast(episodes.person_key as bigint) = converted.person_id
    where converted.factor is not null
),

final as (
    select * from trial_records
    union all
    select * from registry_records
)

select * from final
