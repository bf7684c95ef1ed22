"""The Python marts read the comparison members a few whole comparisons at a time
(propensity/members.py): the chunks split only between comparisons, and balance and estimates
computed chunk by chunk are the rows computed on all members at once."""

from __future__ import annotations

import duckdb
import pandas as pd
from synthetic import COVARIATES, registry

from propensity import comparisons
from propensity.members import comparison_ranges, member_chunks


def sizes(counts: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame({"comparison_id": list(counts), "n": list(counts.values())})


def test_ranges_hold_whole_comparisons_up_to_the_row_budget() -> None:
    # a comparison larger than the budget is a chunk of its own; the ids come sorted
    assert comparison_ranges(sizes({4: 1, 1: 5, 2: 5, 3: 20}), max_rows=10) == [
        (1, 2),
        (3, 3),
        (4, 4),
    ]
    assert comparison_ranges(sizes({1: 5, 2: 5}), max_rows=10) == [(1, 2)]
    assert comparison_ranges(sizes({}), max_rows=10) == []


def test_chunked_balance_and_estimates_equal_those_of_all_members_at_once() -> None:
    # given one model of 600 episodes and five comparisons of it (as timepoints and analyses:
    # every episode, every 2nd, 3rd, 4th, 5th), in a DuckDB table as dbt's relation reads it
    population = registry(600, seed=21, confounding=0.6).population
    members = pd.concat(
        [
            population[population["model_row"] % step == 0].assign(comparison_id=step)
            for step in range(1, 6)
        ],
        ignore_index=True,
    )
    weights = comparisons.weigh(population, COVARIATES, (1, 99))
    episodes = population.merge(weights, on=["model_row", "model_id"], validate="1:1")
    whole_balance = comparisons.balance_table(members, episodes, COVARIATES)
    whole = comparisons.adjusted_estimates(members, weights, whole_balance, 0.1)
    con = duckdb.connect()
    con.register("frame", members)
    con.execute("create table populations as select * from frame order by model_row")
    relation = con.table("populations")
    columns = "comparison_id, model_row, is_treated, is_responder, is_remitter"
    # when the members come in chunks of at most 400 rows (600, 300, 200, 150, 120 rows)
    chunks = list(member_chunks(relation, columns, max_rows=400))
    balance = comparisons.balance_table(chunks, episodes, COVARIATES)
    estimates = comparisons.adjusted_estimates(chunks, weights, balance, 0.1)
    # then no comparison is split, and every row is the one computed on all members
    assert [sorted(c["comparison_id"].unique()) for c in chunks] == [[1], [2], [3, 4], [5]]
    pd.testing.assert_frame_equal(balance, whole_balance)
    pd.testing.assert_frame_equal(estimates, whole)


def test_no_members_give_one_empty_chunk_so_the_tables_keep_their_types() -> None:
    con = duckdb.connect()
    con.execute(
        "create table populations (comparison_id integer, model_row integer, is_treated boolean)"
    )
    chunks = list(member_chunks(con.table("populations"), "comparison_id, model_row, is_treated"))
    assert [len(c) for c in chunks] == [0]
