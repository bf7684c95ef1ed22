with datasets as (
    select * from {{ source('raw', 'datasets') }}
),

renamed as (
    select
        trim(dataset_id) as dataset_id,
        lower(trim(source)) as source,
        nullif(trim(title), '') as title,
        nullif(lower(trim(population)), '') as population,
        nullif(lower(trim(primary_analysis)), '') as primary_analysis,
        nullif(lower(trim(reference)), '') as reference_class,
        nullif(lower(trim(suppression)), '') as suppression,
        coalesce(synthetic, false) as is_synthetic,
        config_sha256,
        _load_id as load_id,
        loaded_at
    from datasets
)

select * from renamed
