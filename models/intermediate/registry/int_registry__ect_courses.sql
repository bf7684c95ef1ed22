-- ECT courses (docs/derivations.md#ect-courses): electroconvulsive therapy sessions (procedure_occurrence records of the
-- concept set `ect`, with descendants) grouped per person into courses: a session joins the
-- course before it when it comes at most ect_course_gap_days (30) after that course's last
-- session (`session - previous session <= 30`, the same reading as the drug-era window).
-- Several ECT records on one day are one session. The course is the `ect` class's counterpart of
-- a drug era: int_registry__index_candidates applies the same 365-day washout to both.

with procedures as (
    select * from {{ ref('stg_registry__procedure_occurrence') }}
),

ect_concepts as (
    select
        dataset_id,
        concept_id,
        min(seed_concept_id) as seed_concept_id,
        min(seed_concept_name) as seed_concept_name
    from {{ ref('int_registry__concept_map') }}
    where concept_set = 'ect'
    group by dataset_id, concept_id
),

sessions as (
    select
        procedures.dataset_id,
        procedures.person_id,
        procedures.procedure_date as session_date,
        min(ect_concepts.seed_concept_id) as seed_concept_id,
        min(ect_concepts.seed_concept_name) as seed_concept_name
    from procedures
    inner join ect_concepts
        on procedures.dataset_id = ect_concepts.dataset_id
        and procedures.procedure_concept_id = ect_concepts.concept_id
    group by procedures.dataset_id, procedures.person_id, procedures.procedure_date
),

flagged as (
    select
        *,
        coalesce(
            {{ days_between('lag(session_date) over by_person', 'session_date') }} > {{ var('ect_course_gap_days') }},
            true
        ) as opens_course
    from sessions
    window by_person as (partition by dataset_id, person_id order by session_date)
),

numbered as (
    select
        *,
        sum(cast(opens_course as integer)) over (
            partition by dataset_id, person_id
            order by session_date
            rows between unbounded preceding and current row
        ) as course_number
    from flagged
),

final as (
    select
        dataset_id,
        person_id,
        course_number,
        'ect' as drug_key,
        'ect' as treatment_class,
        min(seed_concept_id) as ingredient_concept_id,
        min(seed_concept_name) as ingredient,
        min(session_date) as course_start_date,
        max(session_date) as course_end_date,
        {{ days_between('min(session_date)', 'max(session_date)') }} + 1 as course_days,
        count(*) as n_sessions
    from numbered
    group by dataset_id, person_id, course_number
)

select * from final
