{#- Small-cell suppression of docs/privacy.md#small-cell-suppression, written once for every reporting view.

    Each dataset has a policy: `cms` (a count from 1 to T - 1 is small, T = var
    small_cell_threshold, default 11 as in the CMS cell-size policy) or `none` (exact counts:
    nothing is small). The views carry the dataset's EFFECTIVE policy as a column (by default
    `suppression`, added by `with_suppression_policy`) and every rule asks `is_small`, so under
    `none` no count is small and no rule hides anything, and under `cms` the rules are the ones
    documented in each view. The policy is per dataset because every rule compares counts of one
    dataset only.

    The effective policy is `none` only when the dataset says `none` (dataset.yml `suppression`,
    stored in raw.datasets) and no override is set; anything else, a missing or unknown policy
    included, is `cms`: an override or a gap can only hide more, never show more. -#}

{% macro small_cell_threshold() -%}
    {{ var('small_cell_threshold') | int }}
{%- endmacro %}


{#- True when `count` (an SQL expression) is a small count under `policy` (an SQL expression
    holding 'cms' or 'none'); null when the count is null, like `between`. Zero is never small. -#}
{% macro is_small(count, policy='suppression') -%}
    ({{ policy }} = 'cms' and ({{ count }}) between 1 and {{ small_cell_threshold() | int - 1 }})
{%- endmacro %}


{#- A part of a shown total gives its rest away: either being small hides the part. -#}
{% macro part_or_rest_is_small(part, whole, policy='suppression') -%}
    ({{ is_small(part, policy) }} or {{ is_small('(' ~ whole ~ ') - (' ~ part ~ ')', policy) }})
{%- endmacro %}


{#- The text a report prints for a count: "<T" when it is small, "suppressed" when another rule
    hides it (`hidden`, an SQL boolean), else the count. -#}
{% macro count_display(count, hidden, policy='suppression') -%}
    (case
        when {{ is_small(count, policy) }} then '<{{ small_cell_threshold() }}'
        when {{ hidden }} then 'suppressed'
        else cast({{ count }} as {{ dbt.type_string() }})
    end)
{%- endmacro %}


{#- A value shown unless `hidden` (an SQL boolean) is true: then null. -#}
{% macro unless_hidden(value, hidden) -%}
    (case when {{ hidden }} then null else {{ value }} end)
{%- endmacro %}


{#- A comparison of two classes is hidden when the cell of either class is hidden, or has no row
    in the visibility relation (a gap can only hide more): `either_arm_hidden(flag)` over the two
    rows that `join_both_arms` joins as `treated` and `reference`. `relation` holds
    treatment_class and reference_class; `visibility` has one row per `keys` and
    treatment_class, with the boolean column `flag`. -#}
{% macro join_both_arms(relation, visibility, keys) -%}
    {%- for arm, class_column in (('treated', 'treatment_class'), ('reference', 'reference_class')) %}
    left join {{ visibility }} as {{ arm }}
        on {% for key in keys -%}
        {{ relation }}.{{ key }} = {{ arm }}.{{ key }}
        and {% endfor -%}
        {{ relation }}.{{ class_column }} = {{ arm }}.treatment_class
    {%- endfor %}
{%- endmacro %}


{% macro either_arm_hidden(flag) -%}
    (coalesce(treated.{{ flag }}, true) or coalesce(reference.{{ flag }}, true))
{%- endmacro %}


{#- `relation`'s rows with their dataset's effective policy as column `suppression` (from
    reporting.suppression_policy; `cms` for a dataset it does not know). -#}
{% macro with_suppression_policy(relation) -%}
    select
        policy_input.*,
        coalesce(dataset_policy.policy, 'cms') as suppression
    from {{ relation }} as policy_input
    left join {{ ref('rpt_suppression_policy') }} as dataset_policy
        on policy_input.dataset_id = dataset_policy.dataset_id
{%- endmacro %}


{#- The effective policy of a dataset whose dataset.yml says `configured`. -#}
{% macro effective_suppression(configured) -%}
    (case
        when {{ configured }} = 'none' and {{ suppression_override() }} is null then 'none'
        else 'cms'
    end)
{%- endmacro %}


{#- The policy forced on every dataset, or null. Two ways to set it:
      - the dbt var `suppression_override: cms` (compiled into the views: `dbt build --vars
        '{suppression_override: cms}'` builds views that suppress every dataset for everyone);
      - on DuckDB, the session variable `trd_suppression` (`set variable trd_suppression =
        'cms'`), read when a view is queried: `trd report --suppression cms` sets it on the
        report's own read-only connections, so one render applies cms to every dataset without
        rebuilding or writing anything. Engines without session variables (the Spark port)
        implement `<adapter>__suppression_override` with their own mechanism or fall back to the
        dbt var (and `trd report --suppression` then rebuilds the reporting views). -#}
{% macro suppression_override() -%}
    {{ return(adapter.dispatch('suppression_override')()) }}
{%- endmacro %}


{% macro default__suppression_override() -%}
    {{ _suppression_override_var() }}
{%- endmacro %}


{% macro duckdb__suppression_override() -%}
    coalesce(cast(getvariable('trd_suppression') as {{ dbt.type_string() }}), {{ _suppression_override_var() }})
{%- endmacro %}


{% macro _suppression_override_var() -%}
    {%- set forced = var('suppression_override', none) -%}
    {%- if forced is none or forced == '' -%}
        cast(null as {{ dbt.type_string() }})
    {%- elif forced == 'cms' -%}
        'cms'
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var suppression_override is " ~ forced ~ ": the only policy that can be forced on "
            ~ "every dataset is cms (leave the var out to use each dataset's own policy)"
        ) }}
    {%- endif -%}
{%- endmacro %}
