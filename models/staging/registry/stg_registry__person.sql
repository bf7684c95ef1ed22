with source as (
    select * from {{ source('raw', 'person') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(person_id as bigint) as person_id,
        cast(gender_concept_id as integer) as gender_concept_id,
        cast(year_of_birth as integer) as year_of_birth,
        cast(race_concept_id as integer) as race_concept_id,
        cast(ethnicity_concept_id as integer) as ethnicity_concept_id,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
