with source as (
    select * from {{ source('raw', 'adsl') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        nullif(trim(studyid), '') as studyid,
        trim(usubjid) as usubjid,
        nullif(trim(trt01a), '') as trt01a,
        nullif(trim(trt01p), '') as trt01p,
        nullif(upper(trim(saffl)), '') as saffl,
        cast(age as integer) as age,
        nullif(upper(trim(sex)), '') as sex,
        nullif(upper(trim(ittfl)), '') as ittfl,
        nullif(upper(trim(fasfl)), '') as fasfl,
        nullif(trim(race), '') as race,
        nullif(trim(ethnic), '') as ethnic,
        nullif(trim(siteid), '') as siteid,
        nullif(trim(country), '') as country,
        nullif(upper(trim(trdfl)), '') as trdfl,
        cast(nprfail as integer) as nprfail,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
