with source as (
    select * from {{ source('raw', 'concept_ancestor') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(ancestor_concept_id as integer) as ancestor_concept_id,
        cast(descendant_concept_id as integer) as descendant_concept_id,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
