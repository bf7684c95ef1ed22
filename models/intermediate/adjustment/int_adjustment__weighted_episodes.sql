{{ config(materialized='view') }}
{#- Every adjusted comparison's episodes, readable: the comparison's keys, the episode
    (person_key, episode_class), outcome flags, covariates, and its propensity model's score
    and weights (int_adjustment__propensity_scores); and the overlap of the comparison: the
    range of scores both of its groups reach, from the larger of the two groups' minimum scores
    to the smaller of their maximum scores. in_overlap says whether the episode's score lies in
    it (null without scores); is_weight_truncated whether its weight was moved to a truncation
    bound. A view: the rows are the comparison's, the numbers the propensity model's. -#}

with comparisons as (
    select * from {{ ref('int_adjustment__comparisons') }}
),

populations as (
    select * from {{ ref('int_adjustment__populations') }}
),

model_rows as (
    select * from {{ ref('int_adjustment__propensity_populations') }}
),

scores as (
    select * from {{ ref('int_adjustment__propensity_scores') }}
),

joined as (
    select
        comparisons.comparison_id,
        comparisons.model_id,
        comparisons.dataset_id,
        comparisons.scale,
        comparisons.timepoint,
        comparisons.analysis,
        comparisons.treatment_class,
        comparisons.reference_class,
        model_rows.person_key,
        case
            when populations.is_treated then comparisons.treatment_class
            else comparisons.reference_class
        end as episode_class,
        populations.is_treated,
        populations.is_responder,
        populations.is_remitter,
        model_rows.* except (
            model_row, model_id, dataset_id, scale, treatment_class, reference_class,
            person_key, is_treated
        ),
        populations.model_row,
        scores.ps_status,
        scores.propensity_score,
        scores.stabilised_weight,
        scores.weight,
        scores.weight_truncation_low,
        scores.weight_truncation_high
    from populations
    inner join comparisons on populations.comparison_id = comparisons.comparison_id
    inner join model_rows on populations.model_row = model_rows.model_row
    inner join scores on populations.model_row = scores.model_row
),

bounded as (
    select
        *,
        -- case, not filter (where): Spark has no filter on window aggregates
        greatest(
            min(case when is_treated then propensity_score end) over comparison,
            min(case when not is_treated then propensity_score end) over comparison
        ) as overlap_low,
        least(
            max(case when is_treated then propensity_score end) over comparison,
            max(case when not is_treated then propensity_score end) over comparison
        ) as overlap_high
    from joined
    window comparison as (partition by comparison_id)
),

final as (
    select
        *,
        propensity_score between overlap_low and overlap_high as in_overlap,
        weight <> stabilised_weight as is_weight_truncated
    from bounded
)

select * from final
