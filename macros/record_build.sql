{#-
  Every dbt run that changes tables records itself in dq.builds, so that the publish gate
  (reports/freshness.py) can tell whether the latest `trd check` ran after the latest build:
  `trd build` and a plain `dbt build` / `dbt run` / `dbt seed` in the repo alike, since these
  are the project's own on-run-start / on-run-end hooks (dbt_project.yml).

  The row is written as 'running' when the run starts and completed when it ends; a run that
  was killed stays 'running', which the gate treats as an unfinished build. A run that built no
  model, seed or snapshot (`dbt test`, a selection of unit tests) removes its row again.

  One build in several dbt runs (`trd build` on Spark: the Python models run between two dbt
  builds, trd/spark_build.py) is one row: the runs share var trd_build_id; the 'first' part
  writes the row, the 'last' completes it with every part's nodes (var trd_nodes_before); a
  failed part completes it as failed at once.
-#}

{% macro record_build_start() %}
  {%- if execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot')
         and var('trd_build_part', 'whole') in ('whole', 'first') -%}
    {% do run_query("create schema if not exists dq") %}
    {% do run_query(trd.builds_ddl()) %}
    {% set selection = invocation_args_dict.get('select') %}
    {% do run_query(
      "insert into dq.builds (build_id, command, selection, started_at, status) values ("
      ~ "'" ~ trd.build_id() ~ "', '" ~ flags.WHICH ~ "', "
      ~ ("null" if not selection or var('trd_build_id', none) else "'" ~ (selection | join(' ') | replace("'", "''")) ~ "'")
      ~ ", " ~ trd.timestamp_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) ~ ", 'running')"
    ) %}
  {%- endif -%}
{% endmacro %}

{% macro record_build_end(results) %}
  {%- if execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot') -%}
    {% set part = var('trd_build_part', 'whole') %}
    {% set built = results | selectattr('node.resource_type', 'in', ['model', 'seed', 'snapshot'])
                           | rejectattr('status', 'equalto', 'skipped') | list %}
    {% set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error'])
                            | list | length %}
    {% if part == 'whole' and built | length == 0 %}
      {% do trd.change_build_row(none) %}
    {% elif part in ('whole', 'last') or failed %}
      {% do trd.change_build_row({
        'finished_at': trd.timestamp_literal(modules.datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S.%f')),
        'status': "'" ~ ('failed' if failed else 'success') ~ "'",
        'n_nodes': (results | length) + (var('trd_nodes_before', 0) | int),
        'n_failed': failed,
      }) %}
    {% endif %}
  {%- endif -%}
{% endmacro %}

{% macro build_id() %}{{ return(var('trd_build_id', invocation_id)) }}{% endmacro %}

{% macro timestamp_literal(text) %}{{ return(adapter.dispatch('timestamp_literal', 'trd')(text)) }}{% endmacro %}
{% macro default__timestamp_literal(text) %}{{ return("'" ~ text ~ "'") }}{% endmacro %}
{% macro spark__timestamp_literal(text) %}{{ return("timestamp '" ~ text ~ "'") }}{% endmacro %}

{% macro builds_ddl() %}{{ return(adapter.dispatch('builds_ddl', 'trd')()) }}{% endmacro %}

{% macro default__builds_ddl() %}
  {{ return("
      create table if not exists dq.builds (
        build_id varchar primary key,   -- dbt's invocation_id
        command varchar not null,       -- build | run | seed | snapshot
        selection varchar,              -- --select, if any
        started_at timestamp not null,  -- UTC
        finished_at timestamp,          -- UTC; null while running, or when the run was killed
        status varchar not null,        -- running | success | failed
        n_nodes integer,                -- models, seeds, snapshots and tests that ran
        n_failed integer                -- of them, errors and failed tests
      )") }}
{% endmacro %}

{#- Spark: the same columns in Spark's types, a Parquet table (no keys, no NOT NULL). -#}
{% macro spark__builds_ddl() %}
  {{ return("
      create table if not exists dq.builds (
        build_id string, command string, selection string, started_at timestamp,
        finished_at timestamp, status string, n_nodes int, n_failed int
      ) using parquet") }}
{% endmacro %}

{#- Set columns of this build's row (`changes`: column -> SQL value), or delete it (none). -#}
{% macro change_build_row(changes) %}{{ return(adapter.dispatch('change_build_row', 'trd')(changes)) }}{% endmacro %}

{% macro default__change_build_row(changes) %}
  {% if changes is none %}
    {% do run_query("delete from dq.builds where build_id = '" ~ trd.build_id() ~ "'") %}
  {% else %}
    {% set assignments = [] %}
    {% for column, value in changes.items() %}
      {% do assignments.append(column ~ " = " ~ value) %}
    {% endfor %}
    {% do run_query("update dq.builds set " ~ assignments | join(', ')
                    ~ " where build_id = '" ~ trd.build_id() ~ "'") %}
  {% endif %}
{% endmacro %}

{#- Spark's Parquet tables have no UPDATE or DELETE: the table is rewritten into dq.builds__next,
    which then takes its name (one process at a time holds a Spark warehouse). -#}
{% macro spark__change_build_row(changes) %}
  {% set row = "build_id = '" ~ trd.build_id() ~ "'" %}
  {% if changes is none %}
    {% set select = "select * from dq.builds where not (" ~ row ~ ")" %}
  {% else %}
    {% set columns = [] %}
    {% for column in ['build_id', 'command', 'selection', 'started_at', 'finished_at', 'status', 'n_nodes', 'n_failed'] %}
      {% if column in changes %}
        {% do columns.append("case when " ~ row ~ " then " ~ changes[column] ~ " else " ~ column ~ " end as " ~ column) %}
      {% else %}
        {% do columns.append(column) %}
      {% endif %}
    {% endfor %}
    {% set select = "select " ~ columns | join(', ') ~ " from dq.builds" %}
  {% endif %}
  {% do run_query("drop table if exists dq.builds__next") %}
  {% do run_query("create table dq.builds__next using parquet as " ~ select) %}
  {% do run_query("drop table dq.builds") %}
  {% do run_query("alter table dq.builds__next rename to dq.builds") %}
{% endmacro %}
