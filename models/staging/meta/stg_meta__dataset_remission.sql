with source as (
    select * from {{ source('raw', 'dataset_remission') }}
),

renamed as (
    select
        trim(dataset_id) as dataset_id,
        upper(trim(scale)) as scale,
        cast(threshold as double) as remission_threshold
    from source
)

select * from renamed
