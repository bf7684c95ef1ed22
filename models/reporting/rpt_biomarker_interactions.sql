{#-
    reporting.biomarker_interactions: marts.biomarker_interactions with small-cell suppression
    (docs/privacy.md). An interaction is built from four rates (class and reference, low and high stratum);
    it is hidden (every estimate null, is_suppressed true) when that outcome is hidden in
    reporting.biomarker_response for any of the four, or when any of them is missing there, for
    the reason reporting.response_comparisons gives: an estimate beside shown rates would give a
    hidden rate away.
-#}
{{ config(alias='biomarker_interactions') }}

with

interactions as (
    select * from {{ ref('biomarker_interactions') }}
),

shown_rates as (
    select * from {{ ref('rpt_biomarker_response') }}
),

outcome_visibility as (
    select
        dataset_id,
        scale,
        timepoint,
        analysis,
        stratifier,
        stratum,
        treatment_class,
        timepoint_order,
        class_order,
        stratifier_label,
        'response' as outcome,
        response_suppressed as outcome_suppressed
    from shown_rates
    union all
    select
        dataset_id,
        scale,
        timepoint,
        analysis,
        stratifier,
        stratum,
        treatment_class,
        timepoint_order,
        class_order,
        stratifier_label,
        'remission' as outcome,
        remission_suppressed as outcome_suppressed
    from shown_rates
),

hidden_by_rows as (
    select
        interactions.dataset_id,
        interactions.scale,
        interactions.timepoint,
        interactions.analysis,
        interactions.outcome,
        interactions.stratifier,
        interactions.treatment_class,
        count(visibility.outcome) as n_rows_found,
        bool_or(visibility.outcome_suppressed) as any_suppressed,
        min(case when visibility.treatment_class = interactions.treatment_class
            then visibility.timepoint_order end) as timepoint_order,
        min(case when visibility.treatment_class = interactions.treatment_class
            then visibility.class_order end) as class_order,
        min(visibility.stratifier_label) as stratifier_label
    from interactions
    left join outcome_visibility as visibility
        on
            interactions.dataset_id = visibility.dataset_id
            and interactions.scale = visibility.scale
            and interactions.timepoint = visibility.timepoint
            and interactions.analysis = visibility.analysis
            and interactions.outcome = visibility.outcome
            and interactions.stratifier = visibility.stratifier
            and visibility.treatment_class in (
                interactions.treatment_class, interactions.reference_class
            )
    group by
        interactions.dataset_id,
        interactions.scale,
        interactions.timepoint,
        interactions.analysis,
        interactions.outcome,
        interactions.stratifier,
        interactions.treatment_class
),

joined as (
    select
        interactions.*,
        hidden_by_rows.timepoint_order,
        hidden_by_rows.class_order,
        hidden_by_rows.stratifier_label,
        hidden_by_rows.n_rows_found < 4 or coalesce(hidden_by_rows.any_suppressed, true) as hide
    from interactions
    inner join hidden_by_rows
        on
            interactions.dataset_id = hidden_by_rows.dataset_id
            and interactions.scale = hidden_by_rows.scale
            and interactions.timepoint = hidden_by_rows.timepoint
            and interactions.analysis = hidden_by_rows.analysis
            and interactions.outcome = hidden_by_rows.outcome
            and interactions.stratifier = hidden_by_rows.stratifier
            and interactions.treatment_class = hidden_by_rows.treatment_class
),

final as (
    select
        source,
        dataset_id,
        scale,
        timepoint,
        analysis,
        is_primary,
        outcome,
        stratifier,
        stratifier_label,
        cutoff,
        treatment_class,
        reference_class,
        timepoint_order,
        class_order,
        hide as is_suppressed,
        case when hide then null else rd_low_stratum end as rd_low_stratum,
        case when hide then null else rd_low_stratum_ci_low end as rd_low_stratum_ci_low,
        case when hide then null else rd_low_stratum_ci_high end as rd_low_stratum_ci_high,
        case when hide then null else rd_high_stratum end as rd_high_stratum,
        case when hide then null else rd_high_stratum_ci_low end as rd_high_stratum_ci_low,
        case when hide then null else rd_high_stratum_ci_high end as rd_high_stratum_ci_high,
        case when hide then null else interaction end as interaction,
        case when hide then null else interaction_ci_low end as interaction_ci_low,
        case when hide then null else interaction_ci_high end as interaction_ci_high
    from joined
)

select * from final
