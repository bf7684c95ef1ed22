{#- Difference of two independent estimates with the MOVER interval (method of variance
    estimates recovery; Zou & Donner, Stat Med 2008;27:1693; Newcombe, Confidence Intervals for
    Proportions and Related Measures of Effect Size, 2013, ch. 7 and 11), from each estimate's own
    95% interval (l, u):
        low  = (e1 - e2) - sqrt((e1 - l1)^2 + (u2 - e2)^2)
        high = (e1 - e2) + sqrt((u1 - e1)^2 + (e2 - l2)^2)
    Used for the inflammation-by-treatment interaction: the risk difference (Newcombe interval) in
    the high stratum minus the one in the low stratum. Null when any input is null. -#}
{% macro mover_difference_low(e1, l1, e2, u2) -%}
    (({{ e1 }}) - ({{ e2 }}) - sqrt(
        (({{ e1 }}) - ({{ l1 }})) * (({{ e1 }}) - ({{ l1 }}))
        + (({{ u2 }}) - ({{ e2 }})) * (({{ u2 }}) - ({{ e2 }}))
    ))
{%- endmacro %}


{% macro mover_difference_high(e1, u1, e2, l2) -%}
    (({{ e1 }}) - ({{ e2 }}) + sqrt(
        (({{ u1 }}) - ({{ e1 }})) * (({{ u1 }}) - ({{ e1 }}))
        + (({{ e2 }}) - ({{ l2 }})) * (({{ e2 }}) - ({{ l2 }}))
    ))
{%- endmacro %}
