"""Query strategies, found by name.

`STRATEGIES` below is the list: every strategy alcore offers, each described
in its own module by a `StrategyInfo`. Adding a strategy is one module (its
function and its `StrategyInfo`), its test, and one line in that list; the
contract tests run over the list, so a new strategy is tested at once.

Callers use `select`, which owns the parts of the contract no strategy should
repeat: an empty pool, a batch larger than the pool, scoring a random subset
of a huge pool, checking a strategy's settings, and the memory of a strategy
that learns across rounds (`auto`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alcore.core.pool import EmptyPoolError, Pool
from alcore.core.strategies import (
    badge,
    bandit,
    baseline,
    cold_start,
    committee,
    density,
    diversity,
    error_reduction,
    mixed,
    model_change,
    uncertainty,
)
from alcore.core.strategies.base import Query, StrategyInfo, top_k

STRATEGIES: tuple[StrategyInfo, ...] = (
    baseline.RANDOM,
    uncertainty.LEAST_CONFIDENCE,
    uncertainty.MARGIN,
    uncertainty.ENTROPY,
    mixed.MARGIN_RANDOM,
    diversity.KCENTER,
    diversity.DIVERSE_MARGIN,
    cold_start.TYPICAL_CLUSTERS,
    density.DENSITY_WEIGHTED,
    badge.BADGE,
    committee.QBC_VOTE_ENTROPY,
    committee.QBC_KL,
    model_change.EXPECTED_GRADIENT_LENGTH,
    error_reduction.EER_LOG_LOSS,
    error_reduction.EER_ZERO_ONE,
    bandit.AUTO,
)
"""Every strategy alcore offers, in the order a reader meets them."""

REGISTRY: dict[str, StrategyInfo] = {info.name: info for info in STRATEGIES}
"""Strategies by name: `STRATEGIES`, plus any a program adds with `register`."""

PLAIN_NAMES: dict[str, str] = {
    "random": "Random",
    "least_confidence": "Least confidence",
    "margin": "Margin",
    "entropy": "Entropy",
    "margin_random": "Margin, a fifth at random",
    "kcenter": "Spread over the data, k-center",
    "diverse_margin": "Margin, one per cluster",
    "typical_clusters": "Typical row of each cluster",
    "density_weighted": "Entropy weighted by density",
    "badge": "BADGE, uncertain and diverse",
    "qbc_vote_entropy": "Committee vote",
    "qbc_kl": "Committee disagreement, KL",
    "expected_gradient_length": "Expected model change",
    "eer_log_loss": "Expected error reduction, log loss",
    "eer_zero_one": "Expected error reduction, error rate",
    "auto": "Automatic, a bandit picks",
}
"""A plain name for each of `STRATEGIES`, shown beside the code name wherever a strategy is (`strategy_label`)."""


def register(info: StrategyInfo) -> StrategyInfo:
    """Offer a strategy of your own under `info.name` (alcore's own are listed in `STRATEGIES`)."""
    if info.name in REGISTRY:
        raise ValueError(f"strategy {info.name!r} is registered already")
    REGISTRY[info.name] = info
    return info


def strategy_label(name: str) -> str:
    """ "margin" -> "Margin (margin)": the plain name beside the code name (which links, the CLI and files use).

    A variant Explore adds ("margin + semi-supervised") keeps its suffix; a strategy a program registered
    without a plain name is shown by its code name alone.
    """
    base, plus, variant = name.partition(" + ")
    plain = PLAIN_NAMES.get(base)
    if plain is None:
        return name
    return f"{plain}{plus}{variant} ({name})"


def strategy_names() -> list[str]:
    return sorted(REGISTRY)


def get_strategy(name: str) -> StrategyInfo:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(strategy_names())
        raise ValueError(f"Unknown query strategy {name!r}. Choose one of: {known}.") from None


def strategy_settings(name: str, **settings: Any) -> dict[str, Any]:
    """Every setting of strategy `name` with `settings` applied: what a result records.

    Raises ValueError for an unknown strategy or a setting it does not have.
    """
    return get_strategy(name).settings(settings)


def new_memory(name: str, **settings: Any):
    """A fresh memory for a strategy that learns across rounds (`auto`); None for any other.

    Keep it and pass it back to `select(..., memory=...)` every round.
    """
    info = get_strategy(name)
    if info.new_memory is None:
        return None
    return info.new_memory(info.settings(settings), REGISTRY)


def select(
    name: str,
    model,
    pool: Pool,
    batch_size: int,
    rng: np.random.Generator,
    max_candidates: int | None = None,
    exclude=None,
    memory=None,
    **settings: Any,
) -> Query:
    """Ask strategy `name` for up to `batch_size` unlabeled rows of `pool`.

    max_candidates: score only a random subset of this many unlabeled rows
        (for pools too large to score whole each round); None scores all.
    exclude: row indices not to ask about this time, though unlabeled (rows a
        person just skipped, held-out rows, another labeler's open batch).
    memory: for a strategy that learns across rounds (`auto`), the memory from
        `new_memory` kept by the caller; without one it starts afresh each call.
    settings: the strategy's own settings, e.g. `n_members=7` for
        `qbc_vote_entropy` (see `strategy_settings`); unknown ones raise ValueError.
    Raises EmptyPoolError when no unlabeled row is left (after `exclude`).
    """
    info = get_strategy(name)
    chosen_settings = info.settings(settings)
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
    if info.new_memory is not None:
        memory = memory if memory is not None else info.new_memory(chosen_settings, REGISTRY)
        return info.function(model, pool, batch_size, rng, candidates, memory=memory, **chosen_settings)
    return info.function(model, pool, batch_size, rng, candidates, **chosen_settings)


__all__ = [
    "STRATEGIES",
    "PLAIN_NAMES",
    "Query",
    "StrategyInfo",
    "REGISTRY",
    "register",
    "select",
    "get_strategy",
    "strategy_settings",
    "new_memory",
    "strategy_names",
    "strategy_label",
    "top_k",
    "EmptyPoolError",
]
