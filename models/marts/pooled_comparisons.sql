{#- marts.pooled_comparisons (docs/outputs.md#pooled_comparisons): random-effects pooled risk difference and risk ratio (log
    scale) of every comparison that at least 2 trial datasets have, from each dataset's effect
    and variance in pooled_comparison_inputs: DerSimonian-Laird tau2, the
    Hartung-Knapp-Sidik-Jonkman confidence interval, Q, I2 and, from 3 datasets on, the
    prediction interval (formulas in macros/meta_analysis.sql). Risk ratio rows exponentiate the
    estimate and every bound; tau2 and Q stay on the log scale. -#}

{%- set w_star = random_effects_weight('inputs.variance', 'between_datasets.tau2') %}

with inputs as (
    select * from {{ ref('pooled_comparison_inputs') }}
),

t_quantiles as (
    select * from {{ ref('t_quantiles') }}
),

fixed_effect as (
    select
        treatment_class,
        reference_class,
        outcome,
        timepoint,
        measure,
        count(*) as k,
        {{ sorted_string_agg('dataset_id') }} as dataset_ids,
        sum(1 / variance) as sum_w,
        sum(1 / (variance * variance)) as sum_w2,
        sum(effect / variance) / sum(1 / variance) as mu_fixed
    from inputs
    group by treatment_class, reference_class, outcome, timepoint, measure
),

heterogeneity as (
    select
        fixed_effect.treatment_class,
        fixed_effect.reference_class,
        fixed_effect.outcome,
        fixed_effect.timepoint,
        fixed_effect.measure,
        fixed_effect.k,
        fixed_effect.dataset_ids,
        fixed_effect.sum_w,
        fixed_effect.sum_w2,
        sum(
            (inputs.effect - fixed_effect.mu_fixed) * (inputs.effect - fixed_effect.mu_fixed)
            / inputs.variance
        ) as q
    from fixed_effect
    inner join inputs
        on
            fixed_effect.treatment_class = inputs.treatment_class
            and fixed_effect.reference_class = inputs.reference_class
            and fixed_effect.outcome = inputs.outcome
            and fixed_effect.timepoint = inputs.timepoint
            and fixed_effect.measure = inputs.measure
    group by
        fixed_effect.treatment_class,
        fixed_effect.reference_class,
        fixed_effect.outcome,
        fixed_effect.timepoint,
        fixed_effect.measure,
        fixed_effect.k,
        fixed_effect.dataset_ids,
        fixed_effect.sum_w,
        fixed_effect.sum_w2
),

between_datasets as (
    select
        *,
        {{ dl_tau2('q', 'k', 'sum_w', 'sum_w2') }} as tau2,
        {{ i_squared('q', 'k') }} as i2
    from heterogeneity
),

random_effects as (
    select
        between_datasets.treatment_class,
        between_datasets.reference_class,
        between_datasets.outcome,
        between_datasets.timepoint,
        between_datasets.measure,
        between_datasets.k,
        between_datasets.dataset_ids,
        between_datasets.tau2,
        between_datasets.i2,
        between_datasets.q,
        sum({{ w_star }}) as sum_ws,
        sum({{ w_star }} * inputs.effect) / sum({{ w_star }}) as mu
    from between_datasets
    inner join inputs
        on
            between_datasets.treatment_class = inputs.treatment_class
            and between_datasets.reference_class = inputs.reference_class
            and between_datasets.outcome = inputs.outcome
            and between_datasets.timepoint = inputs.timepoint
            and between_datasets.measure = inputs.measure
    group by
        between_datasets.treatment_class,
        between_datasets.reference_class,
        between_datasets.outcome,
        between_datasets.timepoint,
        between_datasets.measure,
        between_datasets.k,
        between_datasets.dataset_ids,
        between_datasets.tau2,
        between_datasets.i2,
        between_datasets.q
),

spread as (
    select
        random_effects.treatment_class,
        random_effects.reference_class,
        random_effects.outcome,
        random_effects.timepoint,
        random_effects.measure,
        random_effects.k,
        random_effects.dataset_ids,
        random_effects.tau2,
        random_effects.i2,
        random_effects.q,
        random_effects.sum_ws,
        random_effects.mu,
        sum(
            {{ random_effects_weight('inputs.variance', 'random_effects.tau2') }}
            * (inputs.effect - random_effects.mu) * (inputs.effect - random_effects.mu)
        ) as sum_ws_sq_dev
    from random_effects
    inner join inputs
        on
            random_effects.treatment_class = inputs.treatment_class
            and random_effects.reference_class = inputs.reference_class
            and random_effects.outcome = inputs.outcome
            and random_effects.timepoint = inputs.timepoint
            and random_effects.measure = inputs.measure
    group by
        random_effects.treatment_class,
        random_effects.reference_class,
        random_effects.outcome,
        random_effects.timepoint,
        random_effects.measure,
        random_effects.k,
        random_effects.dataset_ids,
        random_effects.tau2,
        random_effects.i2,
        random_effects.q,
        random_effects.sum_ws,
        random_effects.mu
),

intervals as (
    select
        spread.*,
        spread.mu - {{ hksj_half_width('ci_t.t_975', 'spread.sum_ws_sq_dev', 'spread.k', 'spread.sum_ws') }}
            as ci_low_scale,
        spread.mu + {{ hksj_half_width('ci_t.t_975', 'spread.sum_ws_sq_dev', 'spread.k', 'spread.sum_ws') }}
            as ci_high_scale,
        spread.mu - {{ prediction_half_width('pi_t.t_975', 'spread.tau2', 'spread.sum_ws') }}
            as pi_low_scale,
        spread.mu + {{ prediction_half_width('pi_t.t_975', 'spread.tau2', 'spread.sum_ws') }}
            as pi_high_scale
    from spread
    left join t_quantiles as ci_t
        on spread.k - 1 = ci_t.df
    -- no prediction interval below 3 datasets: t with k - 2 = 0 df has no row
    left join t_quantiles as pi_t
        on spread.k - 2 = pi_t.df
),

final as (
    select
        treatment_class,
        reference_class,
        outcome,
        timepoint,
        measure,
        k,
        dataset_ids,
{%- for column in ['estimate', 'ci_low', 'ci_high', 'pi_low', 'pi_high'] %}
    {%- set value = 'mu' if column == 'estimate' else column ~ '_scale' %}
        case
            when measure = 'risk_ratio' then exp({{ value }})
            else {{ value }}
        end as {{ column }},
{%- endfor %}
        tau2,
        i2,
        q
    from intervals
)

select * from final
