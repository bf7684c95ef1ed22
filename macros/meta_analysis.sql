{#- Random-effects meta-analysis of docs/derivations.md#pooled-comparisons (marts.pooled_comparisons), written once.

    Arguments are SQL expressions. Per dataset, from x1 events of n1 (the compared class) and x0
    of n0 (the reference class), after the continuity correction:
        risk difference  y = p1 - p0,        v = p1 (1 - p1) / n1 + p0 (1 - p0) / n0
        log risk ratio   y = ln(p1 / p0),    v = 1/x1 - 1/n1 + 1/x0 - 1/n0
    Across the k datasets of a comparison, with w = 1/v (DerSimonian & Laird, Control Clin
    Trials 1986;7:177):
        Q = sum w (y - sum wy / sum w)^2
        tau2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))
        w* = 1 / (v + tau2),  mu = sum w* y / sum w*
    Confidence interval (Hartung & Knapp, Stat Med 2001;20:1771; Sidik & Jonkman, Stat Med
    2002;21:3153): mu -/+ t(0.975, k - 1) sqrt(sum w* (y - mu)^2 / ((k - 1) sum w*)).
    I2 = max(0, (Q - (k - 1)) / Q), 0 when Q = 0 (Higgins & Thompson, Stat Med 2002;21:1539).
    Prediction interval (k >= 3): mu -/+ t(0.975, k - 2) sqrt(tau2 + 1 / sum w*) (Higgins,
    Thompson & Spiegelhalter, J R Stat Soc A 2009;172:137).
    Plain arithmetic, sqrt, ln and exp, so the SQL runs on any warehouse dbt supports; t
    quantiles come from the seed t_quantiles. Checked against statsmodels' combine_effects in
    tests/models/test_pooled_comparisons.py. -#}


{#- 0.5 when any of the four cells (x1, n1 - x1, x0, n0 - x0) is zero, else 0: added to each
    cell, so events get + c and totals + 2c (docs/derivations.md#pooled-comparisons). Typed
    decimal(2, 1), DuckDB's type of the literal 0.5 (Spark's is decimal(1, 1)). -#}
{% macro continuity_correction(x1, n1, x0, n0) -%}
    cast(case
        when {{ x1 }} = 0 or {{ x1 }} = {{ n1 }} or {{ x0 }} = 0 or {{ x0 }} = {{ n0 }} then 0.5
        else 0.0
    end as decimal(2, 1))
{%- endmacro %}


{% macro rd_effect(x1, n1, x0, n0) -%}
    ({{ as_double(x1) }} / {{ n1 }} - {{ as_double(x0) }} / {{ n0 }})
{%- endmacro %}


{% macro rd_variance(x1, n1, x0, n0) -%}
    (
        {{ as_double(x1) }} / {{ n1 }} * (1 - {{ as_double(x1) }} / {{ n1 }}) / {{ n1 }}
        + {{ as_double(x0) }} / {{ n0 }} * (1 - {{ as_double(x0) }} / {{ n0 }}) / {{ n0 }}
    )
{%- endmacro %}


{% macro log_rr_effect(x1, n1, x0, n0) -%}
    ln(({{ as_double(x1) }} / {{ n1 }}) / ({{ as_double(x0) }} / {{ n0 }}))
{%- endmacro %}


{% macro log_rr_variance(x1, n1, x0, n0) -%}
    (
        1 / {{ as_double(x1) }} - 1 / {{ as_double(n1) }}
        + 1 / {{ as_double(x0) }} - 1 / {{ as_double(n0) }}
    )
{%- endmacro %}


{#- DerSimonian-Laird between-dataset variance from Q, k, sum w and sum w^2. -#}
{% macro dl_tau2(q, k, sum_w, sum_w2) -%}
    greatest(
        {{ as_double(0) }},
        ({{ q }} - ({{ k }} - 1)) / ({{ sum_w }} - {{ sum_w2 }} / {{ sum_w }})
    )
{%- endmacro %}


{% macro i_squared(q, k) -%}
    (case
        when {{ q }} = 0 then {{ as_double(0) }}
        else greatest({{ as_double(0) }}, ({{ q }} - ({{ k }} - 1)) / {{ q }})
    end)
{%- endmacro %}


{#- w* = 1 / (v + tau2), a dataset's random-effects weight. -#}
{% macro random_effects_weight(variance, tau2) -%}
    (1 / ({{ variance }} + {{ tau2 }}))
{%- endmacro %}


{#- Half-width of the HKSJ interval from the t quantile (k - 1 df), sum w* (y - mu)^2, k and
    sum w*. -#}
{% macro hksj_half_width(t, sum_ws_sq_dev, k, sum_ws) -%}
    ({{ t }} * sqrt({{ sum_ws_sq_dev }} / (({{ k }} - 1) * {{ sum_ws }})))
{%- endmacro %}


{#- Half-width of the prediction interval from the t quantile (k - 2 df), tau2 and sum w*. -#}
{% macro prediction_half_width(t, tau2, sum_ws) -%}
    ({{ t }} * sqrt({{ tau2 }} + 1 / {{ sum_ws }}))
{%- endmacro %}


{#- The distinct values of `column` in a group, sorted, comma-separated (dataset_ids). -#}
{% macro sorted_string_agg(column) -%}
    {{ return(adapter.dispatch('sorted_string_agg')(column)) }}
{%- endmacro %}


{% macro default__sorted_string_agg(column) -%}
    listagg({{ column }}, ',') within group (order by {{ column }})
{%- endmacro %}


{% macro duckdb__sorted_string_agg(column) -%}
    string_agg({{ column }}, ',' order by {{ column }})
{%- endmacro %}


{% macro spark__sorted_string_agg(column) -%}
    array_join(array_sort(collect_list({{ column }})), ',')
{%- endmacro %}
