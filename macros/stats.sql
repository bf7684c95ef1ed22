{#- Confidence intervals of docs/derivations.md#statistics, written once and used by every mart.

    Arguments are SQL expressions (column names or literals): x = events, n = trials,
    suffix 1 = the compared class, suffix 0 = the reference class. Plain arithmetic, sqrt, ln and
    exp only, so the SQL runs on any warehouse dbt supports. Counts are cast to double before
    dividing so that no database applies integer division.
-#}

{% macro as_double(expr) -%}
    cast({{ expr }} as double)
{%- endmacro %}


{% macro proportion(x, n) -%}
    (case when {{ n }} > 0 then {{ as_double(x) }} / {{ n }} end)
{%- endmacro %}


{#- Wilson score interval (Wilson 1927; Newcombe 1998 method 3):
    (x + z^2/2 -/+ z * sqrt(x (n - x) / n + z^2 / 4)) / (n + z^2).
    The formula gives exactly 0 at x = 0 and 1 at x = n in exact arithmetic; floating point can
    leave 1e-17 either side, so those two cases are returned as exact constants. -#}
{% macro _wilson_bound(x, n, z, sign) -%}
    (
        ({{ as_double(x) }} + {{ as_double(z) }} * {{ z }} / 2
            {{ sign }} {{ as_double(z) }} * sqrt(
                {{ as_double(x) }} * ({{ n }} - {{ x }}) / {{ n }} + {{ as_double(z) }} * {{ z }} / 4
            )
        ) / ({{ n }} + {{ as_double(z) }} * {{ z }})
    )
{%- endmacro %}


{% macro wilson_low(x, n, z=1.96) -%}
    (case
        when {{ n }} is null or {{ n }} <= 0 then null
        when {{ x }} <= 0 then {{ as_double(0) }}
        else greatest({{ as_double(0) }}, {{ _wilson_bound(x, n, z, '-') }})
    end)
{%- endmacro %}


{% macro wilson_high(x, n, z=1.96) -%}
    (case
        when {{ n }} is null or {{ n }} <= 0 then null
        when {{ x }} >= {{ n }} then {{ as_double(1) }}
        else least({{ as_double(1) }}, {{ _wilson_bound(x, n, z, '+') }})
    end)
{%- endmacro %}


{#- Risk difference p1 - p0 with the Newcombe (1998) hybrid score interval, method 10:
    low  = d - sqrt((p1 - l1)^2 + (u0 - p0)^2)
    high = d + sqrt((u1 - p1)^2 + (p0 - l0)^2)
    where (l, u) are the Wilson limits of each proportion. -#}
{% macro risk_difference(x1, n1, x0, n0) -%}
    ({{ proportion(x1, n1) }} - {{ proportion(x0, n0) }})
{%- endmacro %}


{% macro newcombe_rd_low(x1, n1, x0, n0, z=1.96) -%}
    (
        {{ risk_difference(x1, n1, x0, n0) }}
        - sqrt(
            ({{ proportion(x1, n1) }} - {{ wilson_low(x1, n1, z) }})
                * ({{ proportion(x1, n1) }} - {{ wilson_low(x1, n1, z) }})
            + ({{ wilson_high(x0, n0, z) }} - {{ proportion(x0, n0) }})
                * ({{ wilson_high(x0, n0, z) }} - {{ proportion(x0, n0) }})
        )
    )
{%- endmacro %}


{% macro newcombe_rd_high(x1, n1, x0, n0, z=1.96) -%}
    (
        {{ risk_difference(x1, n1, x0, n0) }}
        + sqrt(
            ({{ wilson_high(x1, n1, z) }} - {{ proportion(x1, n1) }})
                * ({{ wilson_high(x1, n1, z) }} - {{ proportion(x1, n1) }})
            + ({{ proportion(x0, n0) }} - {{ wilson_low(x0, n0, z) }})
                * ({{ proportion(x0, n0) }} - {{ wilson_low(x0, n0, z) }})
        )
    )
{%- endmacro %}


{#- Risk ratio p1 / p0 and its log-method (Katz) interval:
    exp(ln RR -/+ z * sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0)).
    Undefined (null) when either event count is 0: ln 0 and 1/0 have no value, and a continuity
    correction would invent data. -#}
{% macro _rr_defined(x1, n1, x0, n0) -%}
    ({{ x1 }} > 0 and {{ x0 }} > 0 and {{ n1 }} > 0 and {{ n0 }} > 0)
{%- endmacro %}


{% macro risk_ratio(x1, n1, x0, n0) -%}
    (case when {{ _rr_defined(x1, n1, x0, n0) }}
        then {{ proportion(x1, n1) }} / {{ proportion(x0, n0) }}
    end)
{%- endmacro %}


{% macro _log_rr_se(x1, n1, x0, n0) -%}
    sqrt(
        1 / {{ as_double(x1) }} - 1 / {{ as_double(n1) }}
        + 1 / {{ as_double(x0) }} - 1 / {{ as_double(n0) }}
    )
{%- endmacro %}


{% macro log_rr_low(x1, n1, x0, n0, z=1.96) -%}
    (case when {{ _rr_defined(x1, n1, x0, n0) }}
        then exp(
            ln({{ proportion(x1, n1) }} / {{ proportion(x0, n0) }})
            - {{ as_double(z) }} * {{ _log_rr_se(x1, n1, x0, n0) }}
        )
    end)
{%- endmacro %}


{% macro log_rr_high(x1, n1, x0, n0, z=1.96) -%}
    (case when {{ _rr_defined(x1, n1, x0, n0) }}
        then exp(
            ln({{ proportion(x1, n1) }} / {{ proportion(x0, n0) }})
            + {{ as_double(z) }} * {{ _log_rr_se(x1, n1, x0, n0) }}
        )
    end)
{%- endmacro %}


{#- Normal-approximation interval of a mean: mean -/+ z * sd / sqrt(n); null for n < 2, where
    the sample standard deviation is undefined. -#}
{% macro mean_ci_low(mean, sd, n, z=1.96) -%}
    (case when {{ n }} >= 2 then {{ mean }} - {{ as_double(z) }} * {{ sd }} / sqrt({{ n }}) end)
{%- endmacro %}


{% macro mean_ci_high(mean, sd, n, z=1.96) -%}
    (case when {{ n }} >= 2 then {{ mean }} + {{ as_double(z) }} * {{ sd }} / sqrt({{ n }}) end)
{%- endmacro %}
