with source as (
    select * from {{ source('raw', 'adlb') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        nullif(trim(studyid), '') as studyid,
        trim(usubjid) as usubjid,
        nullif(upper(trim(paramcd)), '') as paramcd,
        cast(aval as double) as aval,
        nullif(trim(avalu), '') as avalu,
        cast(ady as integer) as ady,
        nullif(upper(trim(ablfl)), '') as ablfl,
        nullif(trim(avisit), '') as avisit,
        adt,
        nullif(trim(param), '') as param,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
