{#-
    reporting.dataset_files: the files of each dataset's current load, with their SHA-256 and
    row counts, for the provenance table (docs/reading-a-report.md#provenance). Row counts follow the dataset's small-cell
    policy: a small count reads "<T"; and every file of a dataset whose first attrition count
    is hidden in reporting.attrition reads "suppressed" (the ADSL / PERSON file has that many
    rows, and a record file may have one row per subject too). Rejected loads are not listed.
-#}
{{ config(alias='dataset_files') }}

with

datasets as (
    select * from {{ ref('rpt_datasets') }}
),

audit as (
    select * from {{ source('raw', 'load_audit') }}
),

hidden_first_step as (
    select dataset_id
    from {{ ref('rpt_attrition') }}
    where step_order = 1 and n_remaining is null
),

files as (
    select
        datasets.dataset_id,
        datasets.source,
        datasets.suppression,
        audit.file,
        audit.sha256,
        audit.rows,
        coalesce(audit.finished_at, datasets.loaded_at) as loaded_at,
        hidden_first_step.dataset_id is not null as rows_hidden
    from datasets
    inner join audit
        on
            audit.load_id = datasets.load_id
            and audit.dataset_id = datasets.dataset_id
            and audit.status = 'loaded'
            and audit.file is not null
    left join hidden_first_step on datasets.dataset_id = hidden_first_step.dataset_id
),

final as (
    select
        dataset_id,
        source,
        file,
        sha256,
        {{ unless_hidden('rows', 'rows_hidden or ' ~ is_small('rows')) }} as rows,
        {{ count_display('rows', 'rows_hidden') }} as rows_display,
        loaded_at
    from files
)

select * from final
