with source as (
    select * from {{ source('raw', 'dataset_parameters') }}
),

renamed as (
    select
        trim(dataset_id) as dataset_id,
        upper(trim(paramcd)) as paramcd,
        upper(trim(scale)) as scale
    from source
)

select * from renamed
