with source as (
    select * from {{ source('raw', 'concept') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(concept_id as integer) as concept_id,
        concept_name,
        trim(vocabulary_id) as vocabulary_id,
        trim(concept_code) as concept_code,
        trim(domain_id) as domain_id,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
