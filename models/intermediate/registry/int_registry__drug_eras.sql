-- Drug eras (docs/derivations.md#drug-eras): per person and drug key, exposures sorted by start; an exposure joins the era
-- before it when next_start - era_end <= era_gap_days (the OHDSI persistence window), where the
-- era end is the running maximum of the end dates so far, so overlapping and nested exposures
-- merge. Gaps and islands with window functions only: no self-join of exposures.
--
-- Cost (14 M exposures at 1 M persons): the exposures are sorted once. Every figure of an era is
-- read off that one sorted pass (one WINDOW clause, so DuckDB sorts once for all four frames) and
-- off the era's first row, so no group-by over the exposures is needed:
--   end   the running end before the *next* era's first row is this era's end (every earlier
--         era ended more than 30 days before this one started, and end >= start: ingest rejects
--         an end date before its start date, and int_registry__drug_exposures tests it); the
--         last era ends at the partition's latest end;
--   count the next era's first row number minus this one's (the last era: rows left + 1);
--   agent the era's first row is its earliest exposure, ties on the start date to the lower
--         drug_exposure_id, so it holds the agent that opened the era. Exposures sharing a
--         start date always share an era, whatever their order (the later one's gap is <= 0).

{%- set by_start =
    'partition by dataset_id, person_id, drug_key order by start_date, drug_exposure_id' %}

with exposures as (
    select * from {{ ref('int_registry__drug_exposures') }}
),

sorted_exposures as (
    select
        *,
        max(end_date) over preceding_rows as running_end_before,
        row_number() over by_start as exposure_number,
        count(*) over whole_partition as n_in_partition,
        max(end_date) over whole_partition as last_end_date
    from exposures
    -- Spark cannot derive a named window from another (by_start rows between ...): the
    -- partition and order are written out in each of the three windows
    window
        by_start as ({{ by_start }}),
        preceding_rows as ({{ by_start }} rows between unbounded preceding and 1 preceding),
        whole_partition as ({{ by_start }} rows between unbounded preceding and unbounded following)
),

era_first_rows as (
    select * from sorted_exposures
    where
        running_end_before is null
        or {{ days_between('running_end_before', 'start_date') }} > {{ var('era_gap_days') }}
),

eras as (
    select
        dataset_id,
        person_id,
        drug_key,
        row_number() over next_era as era_number,
        treatment_class,
        -- the agent that opened the era (augmentation eras may switch agents)
        ingredient_concept_id,
        ingredient,
        ad_class,
        start_date as era_start_date,
        coalesce(lead(running_end_before) over next_era, last_end_date) as era_end_date,
        coalesce(lead(exposure_number) over next_era, n_in_partition + 1) - exposure_number
            as n_exposures
    from era_first_rows
    window next_era as (partition by dataset_id, person_id, drug_key order by start_date)
),

final as (
    select
        dataset_id,
        person_id,
        drug_key,
        era_number,
        treatment_class,
        ingredient_concept_id,
        ingredient,
        ad_class,
        era_start_date,
        era_end_date,
        {{ days_between('era_start_date', 'era_end_date') }} + 1 as era_days,
        n_exposures
    from eras
)

select * from final
