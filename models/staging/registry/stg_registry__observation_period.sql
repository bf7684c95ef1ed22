with source as (
    select * from {{ source('raw', 'observation_period') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        cast(person_id as bigint) as person_id,
        cast(observation_period_start_date as date) as observation_period_start_date,
        cast(observation_period_end_date as date) as observation_period_end_date,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
