"""The reference every other strategy is measured against."""

from __future__ import annotations

import numpy as np

from alcore.core.strategies.base import Query, StrategyInfo


def random_sampling(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    scores = rng.random(len(candidates))
    chosen = np.argpartition(-scores, batch_size - 1)[:batch_size]
    chosen = chosen[np.argsort(-scores[chosen])]
    return Query(candidates[chosen], candidates, scores, "random")


RANDOM = StrategyInfo(
    "random", random_sampling, "Pick unlabeled rows uniformly at random: the baseline to beat.", needs_model=False
)
