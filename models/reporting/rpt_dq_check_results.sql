{#-
    reporting.dq_check_results: every check of every `check` run as the data-quality page lists
    it. The keys of failing records (failing_keys) are left out: record keys never reach a
    report. The number of failing records follows the dataset's small-cell policy (a check of no
    single dataset is `cms`): a small count reads "<T" and its percentage is hidden, since the
    percentage and the table's size give the count back.
-#}
{{ config(alias='dq_check_results') }}

{% if dq_tables_exist(['runs', 'check_results']) %}
with

results as (
    {{ with_suppression_policy(source('dq', 'check_results')) }}
),

runs as (
    select run_id from {{ source('dq', 'runs') }}
    where kind = 'check'
),

final as (
    select
        results.run_id,
        results.dataset_id,
        results.table_name,
        results.check_id,
        results.column_name,
        results.category,
        results.severity,
        results.success,
        {{ unless_hidden('results.unexpected_count', is_small('results.unexpected_count')) }}
            as unexpected_count,
        case
            when results.unexpected_count is null then null
            else {{ count_display('results.unexpected_count', 'false') }}
        end as unexpected_count_display,
        {{ unless_hidden('results.unexpected_percent', is_small('results.unexpected_count')) }}
            as unexpected_percent,
        results.description,
        results.fix
    from results
    inner join runs on results.run_id = runs.run_id
)

select * from final

{% else %}

{{ empty_select([
    ('run_id', 'string'),
    ('dataset_id', 'string'),
    ('table_name', 'string'),
    ('check_id', 'string'),
    ('column_name', 'string'),
    ('category', 'string'),
    ('severity', 'string'),
    ('success', 'boolean'),
    ('unexpected_count', 'bigint'),
    ('unexpected_count_display', 'string'),
    ('unexpected_percent', 'double'),
    ('description', 'string'),
    ('fix', 'string'),
]) }}

{% endif %}
