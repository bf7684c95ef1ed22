{#- Trial and registry episodes in one table (harmonised interface, docs/architecture.md), so
    that every rule downstream is written once for both sources. -#}

{%- set columns = [
    'source', 'dataset_id', 'person_key', 'episode_key', 'treatment_class', 'treatment',
    'index_day', 'index_date', 'age', 'sex', 'prior_failures', 'is_trd',
] %}

with trial as (
    select * from {{ ref('int_trial__episodes') }}
),

registry as (
    select * from {{ ref('int_registry__episodes') }}
),

unioned as (
    select {{ columns | join(', ') }} from trial
    union all
    select {{ columns | join(', ') }} from registry
)

select * from unioned
