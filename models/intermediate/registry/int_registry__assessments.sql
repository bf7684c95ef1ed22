-- Depression scale totals of each registry episode (docs/derivations.md#scales), in the
-- harmonised assessment interface shared with int_trial__assessments: the clinical records
-- (int_registry__clinical_records: observation and measurement, recognised by concept set, with
-- their study day, docs/derivations.md#day-after-index) of the concept sets `<x>_total`. The
-- scale name is the concept set name without `_total`, upper-cased (phq9_total -> PHQ9).
-- Out-of-range values are rejected at ingest (GX), so none are filtered here.

with clinical_records as (
    select * from {{ ref('int_registry__clinical_records') }}
    where concept_set like '%!_total' escape '!'
),

final as (
    select distinct
        dataset_id,
        episode_key,
        upper(replace(concept_set, '_total', '')) as scale,
        study_day,
        cast(value_as_number as double) as value,
        false as is_anl01,
        cast(null as {{ dbt.type_string() }}) as visit_timepoint,
        record_id
    from clinical_records
)

select * from final
