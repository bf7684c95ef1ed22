with source as (
    select * from {{ source('raw', 'measurement') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(measurement_id as bigint) as measurement_id,
        cast(person_id as bigint) as person_id,
        cast(measurement_concept_id as integer) as measurement_concept_id,
        cast(measurement_date as date) as measurement_date,
        cast(value_as_number as double) as value_as_number,
        cast(unit_concept_id as integer) as unit_concept_id,
        nullif(trim(unit_source_value), '') as unit_source_value,
        nullif(trim(measurement_source_value), '') as measurement_source_value,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
