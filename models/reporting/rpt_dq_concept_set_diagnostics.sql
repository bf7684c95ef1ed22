{#-
    reporting.dq_concept_set_diagnostics: what each registry code list found in the records of a
    check run, and the orphan concepts it missed (dq.concept_set_diagnostics), with the numbers
    of records and persons under the dataset's small-cell policy ("<T" when small).
-#}
{{ config(alias='dq_concept_set_diagnostics') }}

{% if dq_tables_exist(['concept_set_diagnostics']) %}
with

diagnostics as (
    {{ with_suppression_policy(source('dq', 'concept_set_diagnostics')) }}
),

final as (
    select
        run_id,
        dataset_id,
        concept_set,
        kind,
        concept_id,
        concept_name,
        vocabulary_id,
        concept_code,
        via_concept_id,
        via_concept_name,
        match_route,
        {{ unless_hidden('n_records', is_small('n_records')) }} as n_records,
        {{ count_display('n_records', 'false') }} as n_records_display,
        {{ unless_hidden('n_persons', is_small('n_persons')) }} as n_persons,
        {{ count_display('n_persons', 'false') }} as n_persons_display
    from diagnostics
)

select * from final

{% else %}

{{ empty_select([
    ('run_id', 'string'),
    ('dataset_id', 'string'),
    ('concept_set', 'string'),
    ('kind', 'string'),
    ('concept_id', 'bigint'),
    ('concept_name', 'string'),
    ('vocabulary_id', 'string'),
    ('concept_code', 'string'),
    ('via_concept_id', 'bigint'),
    ('via_concept_name', 'string'),
    ('match_route', 'string'),
    ('n_records', 'bigint'),
    ('n_records_display', 'string'),
    ('n_persons', 'bigint'),
    ('n_persons_display', 'string'),
]) }}

{% endif %}
