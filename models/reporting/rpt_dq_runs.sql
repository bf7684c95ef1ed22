{#-
    reporting.dq_runs: the data-quality `check` runs, newest first, with their checks counted by
    severity and result, for the report's status line and the data-quality page (docs/data-quality.md).
    Counts of checks, not of patients: nothing to suppress. is_latest marks the run a report
    rests on (the publish gate, reports/render.py, reads the same run).
-#}
{{ config(alias='dq_runs') }}

{% if dq_tables_exist(['runs', 'check_results']) %}
with

runs as (
    select * from {{ source('dq', 'runs') }}
    where kind = 'check'
),

results as (
    select * from {{ source('dq', 'check_results') }}
),

counted as (
    select
        run_id,
        cast(sum(case when severity = 'error' and success then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_error_passed,
        cast(sum(case when severity = 'error' and not success then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_error_failed,
        cast(sum(case when severity = 'warn' and success then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_warn_passed,
        cast(sum(case when severity = 'warn' and not success then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_warn_failed
    from results
    group by run_id
),

final as (
    select
        runs.run_id,
        runs.started_at,
        runs.finished_at,
        runs.gx_version,
        runs.n_checks,
        coalesce(counted.n_error_passed, 0) as n_error_passed,
        greatest(coalesce(counted.n_error_failed, 0), runs.n_failed_error) as n_error_failed,
        coalesce(counted.n_warn_passed, 0) as n_warn_passed,
        greatest(coalesce(counted.n_warn_failed, 0), runs.n_failed_warn) as n_warn_failed,
        row_number() over (order by runs.started_at desc, runs.run_id desc) = 1 as is_latest
    from runs
    left join counted on runs.run_id = counted.run_id
)

select * from final

{% else %}

{{ empty_select([
    ('run_id', 'string'),
    ('started_at', 'timestamp'),
    ('finished_at', 'timestamp'),
    ('gx_version', 'string'),
    ('n_checks', 'int'),
    ('n_error_passed', 'bigint'),
    ('n_error_failed', 'bigint'),
    ('n_warn_passed', 'bigint'),
    ('n_warn_failed', 'bigint'),
    ('is_latest', 'boolean'),
]) }}

{% endif %}
