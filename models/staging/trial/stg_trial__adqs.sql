with source as (
    select * from {{ source('raw', 'adqs') }}
),

renamed as (
    select
        _dataset_id as dataset_id,
        nullif(trim(studyid), '') as studyid,
        trim(usubjid) as usubjid,
        nullif(upper(trim(paramcd)), '') as paramcd,
        cast(aval as double) as aval,
        cast(ady as integer) as ady,
        nullif(trim(avisit), '') as avisit,
        avisitn,
        nullif(upper(trim(ablfl)), '') as ablfl,
        nullif(upper(trim(anl01fl)), '') as anl01fl,
        nullif(trim(atpt), '') as atpt,
        adt,
        nullif(trim(param), '') as param,
        nullif(upper(trim(dtype)), '') as dtype,
        base,
        chg,
        pchg,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
