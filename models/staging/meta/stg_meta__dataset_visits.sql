with source as (
    select * from {{ source('raw', 'dataset_visits') }}
),

renamed as (
    select
        trim(dataset_id) as dataset_id,
        trim(avisit) as avisit,
        upper(trim(timepoint)) as timepoint
    from source
)

select * from renamed
