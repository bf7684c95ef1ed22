{#- The population of every adjusted comparison (int_adjustment__comparisons): the episodes of
    either class that its analysis counts, with the outcome flags it counts, each pointing to
    its row of its propensity model's population (model_row: covariates and weights). The
    denominators are exactly those of marts.response_rates (the macro rows_per_analysis: oc,
    nri, locf), so the adjusted and crude estimates rest on the same episodes; an episode
    without a usable baseline is in neither. Narrow on purpose (numbers and flags: a registry of
    a million persons has some fourteen million rows here); ordered by comparison and
    model_row, the order the propensity package reads them in. -#}

with comparisons as (
    select * from {{ ref('int_adjustment__comparisons') }}
),

model_rows as (
    select * from {{ ref('int_adjustment__propensity_populations') }}
),

outcomes as (
    select * from {{ ref('episode_outcomes') }}
    where source = 'registry' and is_trd
),

by_analysis as (
    {{ rows_per_analysis('outcomes') }}
),

counted as (
    select * from by_analysis
    where is_evaluable
),

final as (
    select
        comparisons.comparison_id,
        model_rows.model_row,
        model_rows.is_treated,
        counted.is_responder,
        counted.is_remitter
    from comparisons
    inner join counted
        on comparisons.dataset_id = counted.dataset_id
        and comparisons.scale = counted.scale
        and comparisons.timepoint = counted.timepoint
        and comparisons.analysis = counted.analysis
        and counted.treatment_class in (comparisons.treatment_class, comparisons.reference_class)
    inner join model_rows
        on comparisons.model_id = model_rows.model_id
        and counted.person_key = model_rows.person_key
        and counted.treatment_class = case
            when model_rows.is_treated then model_rows.treatment_class
            else model_rows.reference_class
        end
)

select * from final
order by comparison_id, model_row
