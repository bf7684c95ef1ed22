{#-
    reporting.suppression_policy: the small-cell policy every reporting view applies to each
    dataset (docs/privacy.md), so that a report states the rule that was actually applied. One row per
    loaded dataset: its dataset.yml `suppression` (cms | none; ingest writes the source's default,
    registry cms and trial none, when the file does not say), the effective policy (cms when an
    override is set: `trd report --suppression cms` or the dbt var suppression_override; cms for
    a dataset without a stated policy), and the threshold the views were built with (dbt --vars
    can change it). The other views read `policy` through the macro with_suppression_policy.
    Under the dataset's `none` policy nothing is small (macros/suppression.sql).
-#}
{{ config(alias='suppression_policy') }}
{%- set threshold = small_cell_threshold() | int -%}

with

datasets as (
    select * from {{ ref('stg_meta__datasets') }}
),

resolved as (
    select
        dataset_id,
        source,
        suppression as configured_policy,
        {{ effective_suppression('suppression') }} as policy
    from datasets
),

final as (
    select
        dataset_id,
        source,
        configured_policy,
        policy,
        policy = 'cms' and coalesce(configured_policy, 'cms') <> 'cms' as is_overridden,
        {{ threshold }} as small_cell_threshold,
        '<{{ threshold }}' as small_cell_label,
        case policy
            when 'cms' then
                'Counts from 1 to {{ threshold - 1 }} are shown as "<{{ threshold }}" with their '
                || 'rates and confidence intervals hidden; further counts are hidden '
                || '("suppressed") where a small count could otherwise be worked out from '
                || 'totals, neighbouring numbers or another table of the report. Zero is shown.'
            else
                'Exact counts: the dataset’s results are published per arm (suppression: none '
                || 'in its dataset.yml, the default for trials).'
        end as rule
    from resolved
)

select * from final
