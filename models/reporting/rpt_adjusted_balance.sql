{#-
    reporting.covariate_balance: the standardised mean differences of marts.covariate_balance
    for reports (the Love plot), with the seed's covariate labels. The group means stay out:
    the proportion of a binary covariate in a small group is a count. A comparison's rows are
    hidden (SMDs null, is_suppressed true) when reporting.response_rates hides the row of the
    compared class or of the reference (same dataset, scale, timepoint and analysis), or has
    none: the balance describes those episodes. Nothing here is a count.
-#}
{{ config(alias='covariate_balance') }}

with

balance as (
    -- typed here: a Python mart's columns take their types from its rows, so an empty
    -- marts.covariate_balance has NULL-typed columns, which the contract would refuse
    select
        cast(dataset_id as string) as dataset_id,
        cast(scale as string) as scale,
        cast(timepoint as string) as timepoint,
        cast(analysis as string) as analysis,
        cast(treatment_class as string) as treatment_class,
        cast(reference_class as string) as reference_class,
        cast(covariate as string) as covariate,
        cast(covariate_order as bigint) as covariate_order,
        cast(smd_before as double) as smd_before,
        cast(smd_after as double) as smd_after
    from {{ ref('covariate_balance') }}
),

covariates as (
    select * from {{ ref('adjustment_covariates') }}
),

rates as (
    select * from {{ ref('rpt_response_rates') }}
),

joined as (
    select
        balance.*,
        covariates.label as covariate_label,
        covariates.kind as covariate_kind,
        treated.source,
        treated.is_primary,
        treated.timepoint_order,
        treated.class_order,
        {{ either_arm_hidden('is_suppressed') }} as hide
    from balance
    left join covariates on balance.covariate = covariates.covariate
    {{ join_both_arms('balance', 'rates', ['dataset_id', 'scale', 'timepoint', 'analysis']) }}
),

final as (
    select
        source,
        dataset_id,
        scale,
        timepoint,
        analysis,
        is_primary,
        treatment_class,
        reference_class,
        timepoint_order,
        class_order,
        covariate,
        covariate_label,
        covariate_kind,
        covariate_order,
        hide as is_suppressed,
        {{ unless_hidden('smd_before', 'hide') }} as smd_before,
        {{ unless_hidden('smd_after', 'hide') }} as smd_after,
        {{ unless_hidden(
            'coalesce(abs(smd_after) <= ' ~ var('balance_smd_threshold') ~ ', false)', 'hide'
        ) }} as is_balanced_after
    from joined
)

select * from final
