{#- Baselines of both sources, one per episode and scale. A baseline of 0 is kept here (a
    warn-level check counts them) and made unusable downstream (docs/derivations.md). -#}

{%- set columns = ['dataset_id', 'episode_key', 'scale', 'baseline'] %}

with trial as (
    select * from {{ ref('int_trial__baselines') }}
),

registry as (
    select * from {{ ref('int_registry__baselines') }}
),

unioned as (
    select {{ columns | join(', ') }} from trial
    union all
    select {{ columns | join(', ') }} from registry
)

select * from unioned
