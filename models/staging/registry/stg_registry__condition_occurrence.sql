with source as (
    select * from {{ source('raw', 'condition_occurrence') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(person_id as bigint) as person_id,
        cast(condition_concept_id as integer) as condition_concept_id,
        cast(condition_start_date as date) as condition_start_date,
        nullif(trim(condition_source_value), '') as condition_source_value,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
