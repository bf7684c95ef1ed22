{#- marts.attrition (docs/outputs.md#attrition): the cohort flow of every dataset, trial (subjects) and registry
    (persons) alike. `step` is the 1-based position in the dataset's flow; each step keeps a
    subset of the step before, and n_excluded is what the step removed. -#}

{%- set columns = ['dataset_id', 'step', 'description', 'n_remaining', 'n_excluded'] %}

with trial as (
    select * from {{ ref('int_trial__attrition') }}
),

registry as (
    select * from {{ ref('int_registry__attrition') }}
),

unioned as (
    select {{ columns | join(', ') }} from trial
    union all
    select {{ columns | join(', ') }} from registry
)

select * from unioned
