{#- marts.response_comparisons (docs/outputs.md#response_comparisons): each treatment class against its dataset's reference
    class (int_dataset_settings), same scale, timepoint and analysis, for response and for
    remission: risk difference with the Newcombe hybrid score interval and risk ratio with the
    log-method interval (null when either count is 0). Only pairs where both classes have a
    response_rates row are compared. -#}

with rates as (
    select * from {{ ref('response_rates') }}
),

settings as (
    select distinct
        dataset_id,
        reference_class
    from {{ ref('int_dataset_settings') }}
),

pairs as (
    select
        compared.dataset_id,
        compared.scale,
        compared.timepoint,
        compared.analysis,
        compared.treatment_class,
        reference.treatment_class as reference_class,
        compared.n as n1,
        compared.n_responders as responders1,
        compared.n_remitters as remitters1,
        reference.n as n0,
        reference.n_responders as responders0,
        reference.n_remitters as remitters0
    from rates as compared
    inner join settings
        on compared.dataset_id = settings.dataset_id
    inner join rates as reference
        on
            compared.dataset_id = reference.dataset_id
            and compared.scale = reference.scale
            and compared.timepoint = reference.timepoint
            and compared.analysis = reference.analysis
            and reference.treatment_class = settings.reference_class
    where compared.treatment_class <> settings.reference_class
),

by_outcome as (
    select
        dataset_id,
        scale,
        timepoint,
        analysis,
        'response' as outcome,
        treatment_class,
        reference_class,
        responders1 as x1,
        n1,
        responders0 as x0,
        n0
    from pairs
    union all
    select
        dataset_id,
        scale,
        timepoint,
        analysis,
        'remission' as outcome,
        treatment_class,
        reference_class,
        remitters1 as x1,
        n1,
        remitters0 as x0,
        n0
    from pairs
),

final as (
    select
        dataset_id,
        scale,
        timepoint,
        analysis,
        outcome,
        treatment_class,
        reference_class,
        {{ risk_difference('x1', 'n1', 'x0', 'n0') }} as risk_difference,
        {{ newcombe_rd_low('x1', 'n1', 'x0', 'n0') }} as risk_difference_ci_low,
        {{ newcombe_rd_high('x1', 'n1', 'x0', 'n0') }} as risk_difference_ci_high,
        {{ risk_ratio('x1', 'n1', 'x0', 'n0') }} as risk_ratio,
        {{ log_rr_low('x1', 'n1', 'x0', 'n0') }} as risk_ratio_ci_low,
        {{ log_rr_high('x1', 'n1', 'x0', 'n0') }} as risk_ratio_ci_high
    from by_outcome
)

select * from final
