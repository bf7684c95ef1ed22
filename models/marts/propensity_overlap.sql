{#- marts.propensity_overlap: the common support of each adjusted registry comparison. The
    overlap is the range of propensity scores both groups of the comparison reach (from the
    larger of the two minima to the smaller of the two maxima); episodes outside it are counted
    here and listed in intermediate.int_adjustment__weighted_episodes (in_overlap false). They
    stay in the analysis (the target is the average treatment effect of the whole population;
    their weights are truncated like every other), so the counts say how far the estimate
    leans on extrapolation. Also the truncation bounds of the comparison's propensity model,
    how many of the comparison's weights they moved, and the effective sample sizes
    (sum(w)^2 / sum(w^2), Kish) of its weighted groups. Counts that need scores are null for a
    comparison without them. -#}

with episodes as (
    select * from {{ ref('int_adjustment__weighted_episodes') }}
),

final as (
    select
        comparison_id,
        model_id,
        dataset_id,
        scale,
        timepoint,
        analysis,
        treatment_class,
        reference_class,
        cast(any_value(ps_status) as {{ dbt.type_string() }}) as ps_status,
        cast(count(*) filter (where is_treated) as integer) as n_treated,
        cast(count(*) filter (where not is_treated) as integer) as n_reference,
        min(propensity_score) filter (where is_treated) as ps_min_treated,
        max(propensity_score) filter (where is_treated) as ps_max_treated,
        min(propensity_score) filter (where not is_treated) as ps_min_reference,
        max(propensity_score) filter (where not is_treated) as ps_max_reference,
        any_value(overlap_low) as overlap_low,
        any_value(overlap_high) as overlap_high,
        case when any_value(ps_status) = 'fitted' then
            cast(count(*) filter (where is_treated and not in_overlap) as integer)
        end as n_treated_outside_overlap,
        case when any_value(ps_status) = 'fitted' then
            cast(count(*) filter (where not is_treated and not in_overlap) as integer)
        end as n_reference_outside_overlap,
        any_value(weight_truncation_low) as weight_truncation_low,
        any_value(weight_truncation_high) as weight_truncation_high,
        case when any_value(ps_status) = 'fitted' then
            cast(count(*) filter (where is_weight_truncated) as integer)
        end as n_weights_truncated,
        power(sum(weight) filter (where is_treated), 2)
            / sum(weight * weight) filter (where is_treated) as ess_treated,
        power(sum(weight) filter (where not is_treated), 2)
            / sum(weight * weight) filter (where not is_treated) as ess_reference
    from episodes
    group by
        comparison_id,
        model_id,
        dataset_id,
        scale,
        timepoint,
        analysis,
        treatment_class,
        reference_class
)

select * from final
