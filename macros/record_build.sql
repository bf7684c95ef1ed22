{#-
  Every dbt run that changes tables records itself in dq.builds, so that the publish gate
  (reports/freshness.py) can tell whether the latest `trd check` ran after the latest build:
  `trd build` and a plain `dbt build` / `dbt run` / `dbt seed` in the repo alike, since these
  are the project's own on-run-start / on-run-end hooks (dbt_project.yml).

  The row is written as 'running' when the run starts and completed when it ends; a run that
  was killed stays 'running', which the gate treats as an unfinished build. A run that built no
  model, seed or snapshot (`dbt test`, a selection of unit tests) removes its row again.
-#}

{% macro record_build_start() %}
  {%- if execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot') -%}
    {% do run_query("create schema if not exists dq") %}
    {% do run_query("
      create table if not exists dq.builds (
        build_id varchar primary key,   -- dbt's invocation_id
        command varchar not null,       -- build | run | seed | snapshot
        selection varchar,              -- --select, if any
        started_at timestamp not null,  -- UTC
        finished_at timestamp,          -- UTC; null while running, or when the run was killed
        status varchar not null,        -- running | success | failed
        n_nodes integer,                -- models, seeds, snapshots and tests that ran
        n_failed integer                -- of them, errors and failed tests
      )") %}
    {% set selection = invocation_args_dict.get('select') %}
    {% do run_query(
      "insert into dq.builds (build_id, command, selection, started_at, status) values ("
      ~ "'" ~ invocation_id ~ "', '" ~ flags.WHICH ~ "', "
      ~ ("null" if not selection else "'" ~ (selection | join(' ') | replace("'", "''")) ~ "'")
      ~ ", '" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "', 'running')"
    ) %}
  {%- endif -%}
{% endmacro %}

{% macro record_build_end(results) %}
  {%- if execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot') -%}
    {% set built = results | selectattr('node.resource_type', 'in', ['model', 'seed', 'snapshot'])
                           | rejectattr('status', 'equalto', 'skipped') | list %}
    {% if built | length == 0 %}
      {% do run_query("delete from dq.builds where build_id = '" ~ invocation_id ~ "'") %}
    {% else %}
      {% set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error'])
                              | list | length %}
      {% do run_query(
        "update dq.builds set finished_at = '"
        ~ modules.datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S.%f') ~ "', "
        ~ "status = '" ~ ('failed' if failed else 'success') ~ "', "
        ~ "n_nodes = " ~ (results | length) ~ ", n_failed = " ~ failed
        ~ " where build_id = '" ~ invocation_id ~ "'"
      ) %}
    {% endif %}
  {%- endif -%}
{% endmacro %}
