"""Uncertainty with a share of random picks, against the sampling bias of asking only about doubts.

A model trained only on the rows it was unsure of sees a skewed sample of the
pool: it can stay confidently wrong about a whole region it never doubted
(Dasgupta & Hsu 2008 on sampling bias). Giving a fixed share of each batch to
random picks keeps showing it the pool as it is, at the price of that share.
"""

from __future__ import annotations

import numpy as np

from alcore.core.strategies.base import Query, StrategyInfo, top_k
from alcore.core.strategies.uncertainty import uncertainty_scores

RANDOM_SHARE = 0.2
"""Share of each batch picked at random by default (rounded; at least one row once a batch has 3 rows)."""


def random_picks_in(batch_size: int, share: float = RANDOM_SHARE) -> int:
    """How many rows of a batch are random picks."""
    return int(round(share * batch_size)) if batch_size >= 3 else 0


def margin_random(
    model,
    pool,
    batch_size: int,
    rng: np.random.Generator,
    candidates: np.ndarray,
    *,
    random_share: float = RANDOM_SHARE,
) -> Query:
    """Scores: the margin score of every candidate (as `margin`); random picks come last in the batch.

    random_share: the share of each batch picked at random (a setting).
    """
    if not 0 <= random_share <= 1:
        raise ValueError(f"margin_random's random_share is a share from 0 to 1; it was {random_share}.")
    scores = uncertainty_scores(model, pool.X, candidates, "margin")
    uncertain = top_k(scores, batch_size - random_picks_in(batch_size, random_share), rng)
    others = np.setdiff1d(np.arange(len(candidates)), uncertain, assume_unique=True)
    drawn = rng.choice(others, size=min(batch_size - len(uncertain), len(others)), replace=False)
    note = f"{len(uncertain)} by margin, {len(drawn)} at random"
    return Query(candidates[np.concatenate([uncertain, drawn])], candidates, scores, "margin_random", note)


MARGIN_RANDOM = StrategyInfo(
    "margin_random",
    margin_random,
    "Ask mostly about the rows where the two most likely classes are closest, and a fifth of each batch at random "
    "so the model keeps seeing the whole pool.",
)
