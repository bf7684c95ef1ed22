with source as (
    select * from {{ source('raw', 'drug_exposure') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(drug_exposure_id as bigint) as drug_exposure_id,
        cast(person_id as bigint) as person_id,
        cast(drug_concept_id as integer) as drug_concept_id,
        cast(drug_exposure_start_date as date) as drug_exposure_start_date,
        cast(drug_exposure_end_date as date) as drug_exposure_end_date,
        cast(days_supply as integer) as days_supply,
        cast(quantity as double) as quantity,
        cast(route_concept_id as integer) as route_concept_id,
        nullif(trim(drug_source_value), '') as drug_source_value,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
