{#-
    reporting.propensity_overlap: marts.propensity_overlap for reports (docs/privacy.md). A comparison
    is hidden (every value null, is_suppressed true) when reporting.response_rates hides the
    row of the compared class or of the reference, or has none. In a shown comparison,
    n_treated and n_reference are the crude rates' n (shown there too); the episodes outside the
    overlap are counts within them, hidden ("<T" or "suppressed") when the count or n minus it
    is small (as responders in reporting.response_rates); so are the truncated weights, within
    both groups together. Scores, bounds, weights and effective sample sizes are not counts.
-#}
{{ config(alias='propensity_overlap') }}

with

overlap as (
    {{ with_suppression_policy(ref('propensity_overlap')) }}
),

rates as (
    select * from {{ ref('rpt_response_rates') }}
),

joined as (
    select
        overlap.*,
        treated.source,
        treated.is_primary,
        treated.timepoint_order,
        treated.class_order,
        {{ either_arm_hidden('is_suppressed') }} as hide
    from overlap
    {{ join_both_arms('overlap', 'rates', ['dataset_id', 'scale', 'timepoint', 'analysis']) }}
),

decided as (
    select
        *,
        hide or coalesce(
            {{ part_or_rest_is_small('n_treated_outside_overlap', 'n_treated') }}, false
        ) as hide_treated_outside,
        hide or coalesce(
            {{ part_or_rest_is_small('n_reference_outside_overlap', 'n_reference') }}, false
        ) as hide_reference_outside,
        hide or coalesce(
            {{ part_or_rest_is_small('n_weights_truncated', 'n_treated + n_reference') }}, false
        ) as hide_truncated
    from joined
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
        hide as is_suppressed,
        {{ unless_hidden('ps_status', 'hide') }} as ps_status,
        {{ unless_hidden('n_treated', 'hide') }} as n_treated,
        {{ count_display('n_treated', 'hide') }} as n_treated_display,
        {{ unless_hidden('n_reference', 'hide') }} as n_reference,
        {{ count_display('n_reference', 'hide') }} as n_reference_display,
{%- for group in ['treated', 'reference'] %}
        {{ unless_hidden('n_' ~ group ~ '_outside_overlap', 'hide_' ~ group ~ '_outside') }}
            as n_{{ group }}_outside_overlap,
        {{ count_display('n_' ~ group ~ '_outside_overlap', 'hide_' ~ group ~ '_outside') }}
            as n_{{ group }}_outside_overlap_display,
{%- endfor %}
        {{ unless_hidden('n_weights_truncated', 'hide_truncated') }} as n_weights_truncated,
        {{ count_display('n_weights_truncated', 'hide_truncated') }} as n_weights_truncated_display,
{%- for column in ['ps_min_treated', 'ps_max_treated', 'ps_min_reference', 'ps_max_reference',
                   'overlap_low', 'overlap_high', 'weight_truncation_low',
                   'weight_truncation_high', 'ess_treated', 'ess_reference'] %}
        {{ unless_hidden(column, 'hide') }} as {{ column }}{{ ',' if not loop.last }}
{%- endfor %}
    from decided
)

select * from final
