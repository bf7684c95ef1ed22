"""The one test harness: warehouses and raw rows (`warehouse`), dbt through the project's own
runner (`dbt`). Session fixtures that share built warehouses across modules are in
tests/conftest.py."""
