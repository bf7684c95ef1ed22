with source as (
    select * from {{ source('raw', 'observation') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(observation_id as bigint) as observation_id,
        cast(person_id as bigint) as person_id,
        cast(observation_concept_id as integer) as observation_concept_id,
        cast(observation_date as date) as observation_date,
        cast(value_as_number as double) as value_as_number,
        cast(unit_concept_id as integer) as unit_concept_id,
        nullif(trim(unit_source_value), '') as unit_source_value,
        nullif(trim(observation_source_value), '') as observation_source_value,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
