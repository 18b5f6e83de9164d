"""The settings a comparison starts from, one home for the dashboard's Explore page and `alcore simulate`,
so both run the same comparison when nobody changes anything (and `alcore simulate --help` shows them)."""

from __future__ import annotations

from alcore.core.learner import DEFAULT_STRATEGY
from alcore.experiment.simulation import training_rows
from alcore.experiment.verdict import DEFAULT_SEEDS

STRATEGIES = (DEFAULT_STRATEGY, "entropy")
"""Compared with random, which always runs too."""
INITIAL = 20
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
