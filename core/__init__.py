"""The core every stage imports and that imports none of them: errors and exit codes, settings,
opening the warehouse, the console, Ctrl-C handling, output paths, the input contract
(`contracts`) and the reference layer (`reference`: vocabularies and thresholds read from the
dbt seeds and vars)."""
