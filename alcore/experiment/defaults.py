"""The settings a comparison starts from, one home for the dashboard's Explore page and `alcore simulate`,
so both run the same comparison when nobody changes anything (and `alcore simulate --help` shows them)."""

from __future__ import annotations

from alcore.core.learner import DEFAULT_STRATEGY
from alcore.experiment.simulation import training_rows
from alcore.experiment.verdict import DEFAULT_SEEDS

STRATEGIES = (DEFAULT_STRATEGY, "entropy")
"""Compared with random, which always runs too."""
INITIAL = 20
"""Rows labeled at random before a strategy chooses, on a table with more training rows; see `initial_for`."""
BATCH_SIZE = 10
BUDGET = 200
"""The most labels in total, on a table with more training rows; see `budget_for`."""
SEEDS = DEFAULT_SEEDS
"""Enough for a verdict with up to three strategies beside random (see `alcore.experiment.verdict`)."""
TARGET_SHARE = 0.95
"""The goal: 95% of the accuracy a model trained on every labeled row reaches (a fixed accuracy such as 90%
may be out of reach on hard data, and then every strategy reads "not reached")."""
COST_PER_LABEL = 1.0
CURRENCY = "$"


def budget_for(n_rows: int, test_size: float = 0.25) -> int:
    """The budget a comparison of n_rows labeled rows starts from when nobody gives one: BUDGET, or every row a
    run can label (`training_rows`) when that is fewer. On a table of 30 rows (mtcars) the budget once stood above
    them, and every run ended with its pool exhausted instead of at the budget."""
    return min(BUDGET, training_rows(n_rows, test_size))


def initial_for(n_rows: int, test_size: float = 0.25) -> int:
    """The initial labeled rows a comparison of n_rows labeled rows starts from when nobody gives them: INITIAL,
    or a quarter of the rows a run can label (`training_rows`) when that is fewer, and never under 2 (a model
    needs two classes to start).

    The initial rows are drawn at random, the same for every line, so only the labels after them tell the
    strategies apart. On a large table INITIAL is a tenth of the default budget; on mtcars (30 rows kept, 22 a
    run can label) it left the strategies 2 rows to choose and the comparison said nothing. A quarter keeps
    the random start small enough that the strategies choose three labels of every four (5 initial, 17 chosen
    there), and large enough for a first model; from 80 rows a run can label on, it is INITIAL again."""
    return max(2, min(INITIAL, training_rows(n_rows, test_size) // 4))
