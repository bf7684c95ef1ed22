{#- The three analyses of docs/derivations.md#analyses as rows, written once for every mart that counts responders
    (response_rates, biomarker_response). One row per input row and analysis, with the
    analysis's denominator flag and outcome flags taken from episode_outcomes' columns:
    oc = observed value; nri = every usable baseline, a missing value counting as failure (a
    null flag is false); locf = observed or carried value. -#}
{% macro rows_per_analysis(relation) -%}
    select
        {{ relation }}.*,
        'oc' as analysis,
        evaluable_oc as is_evaluable,
        coalesce(responder, false) as is_responder,
        coalesce(remitter, false) as is_remitter
    from {{ relation }}
    union all
    select
        {{ relation }}.*,
        'nri' as analysis,
        evaluable_nri as is_evaluable,
        coalesce(responder, false) as is_responder,
        coalesce(remitter, false) as is_remitter
    from {{ relation }}
    union all
    select
        {{ relation }}.*,
        'locf' as analysis,
        evaluable_locf as is_evaluable,
        coalesce(responder_locf, false) as is_responder,
        coalesce(remitter_locf, false) as is_remitter
    from {{ relation }}
{%- endmacro %}
