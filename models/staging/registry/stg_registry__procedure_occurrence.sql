with source as (
    select * from {{ source('raw', 'procedure_occurrence') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(procedure_occurrence_id as bigint) as procedure_occurrence_id,
        cast(person_id as bigint) as person_id,
        cast(procedure_concept_id as integer) as procedure_concept_id,
        cast(procedure_date as date) as procedure_date,
        nullif(trim(procedure_source_value), '') as procedure_source_value,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
