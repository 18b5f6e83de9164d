"""Query strategies, found by name.

Every module in this package registers its strategies with
`alcore.core.strategies.base.register`; importing the package imports them all, so
adding a strategy never touches this file. Callers use `select`, which owns
the parts of the contract no strategy should repeat: an empty pool, a batch
larger than the pool, and scoring a random subset of a huge pool.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np

from alcore.core.pool import EmptyPoolError, Pool
from alcore.core.strategies.base import REGISTRY, Query, StrategyInfo, register, top_k

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")


def strategy_names() -> list[str]:
    return sorted(REGISTRY)


def get_strategy(name: str) -> StrategyInfo:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(strategy_names())
        raise ValueError(f"Unknown query strategy {name!r}. Choose one of: {known}.") from None


def select(
    name: str,
    model,
    pool: Pool,
    batch_size: int,
    rng: np.random.Generator,
    max_candidates: int | None = None,
    exclude=None,
) -> Query:
    """Ask strategy `name` for up to `batch_size` unlabeled rows of `pool`.

    max_candidates: score only a random subset of this many unlabeled rows
        (for pools too large to score whole each round); None scores all.
    exclude: row indices not to ask about this time, though unlabeled (rows a
        person just skipped, held-out rows, another labeler's open batch).
    Raises EmptyPoolError when no unlabeled row is left (after `exclude`).
    """
    info = get_strategy(name)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if exclude is not None and len(exclude):
        wanted = ~pool.labeled_mask
        wanted[np.asarray(exclude, dtype=np.int64)] = False
        candidates = np.flatnonzero(wanted)
    else:
        candidates = pool.unlabeled_indices()
    if len(candidates) == 0:
        raise EmptyPoolError()
    if max_candidates is not None and len(candidates) > max_candidates:
        candidates = np.sort(rng.choice(candidates, size=max_candidates, replace=False))
    if info.needs_model and model is None:
        raise ValueError(f"strategy {name!r} needs a fitted model; use a cold-start strategy first")
    batch_size = min(batch_size, len(candidates))
    return info.function(model, pool, batch_size, rng, candidates)


__all__ = [
    "Query",
    "StrategyInfo",
    "REGISTRY",
    "register",
    "select",
    "get_strategy",
    "strategy_names",
    "top_k",
    "EmptyPoolError",
]
