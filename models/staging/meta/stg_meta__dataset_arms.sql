with source as (
    select * from {{ source('raw', 'dataset_arms') }}
),

renamed as (
    select
        trim(dataset_id) as dataset_id,
        trim(arm) as arm,
        lower(trim(treatment_class)) as treatment_class,
        nullif(trim(treatment), '') as treatment
    from source
)

select * from renamed
