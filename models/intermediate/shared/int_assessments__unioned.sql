{#- Post-baseline scores of both sources (day after index >= 1, docs/derivations.md#day-after-index): the only records from
    which timepoint values and LOCF values are taken. -#}

{%- set columns = [
    'dataset_id', 'episode_key', 'scale', 'study_day', 'value', 'is_anl01', 'visit_timepoint',
    'record_id',
] %}

with trial as (
    select * from {{ ref('int_trial__assessments') }}
),

registry as (
    select * from {{ ref('int_registry__assessments') }}
),

unioned as (
    select {{ columns | join(', ') }} from trial
    union all
    select {{ columns | join(', ') }} from registry
),

post_baseline as (
    select *
    from unioned
    where study_day >= 1
)

select * from post_baseline
